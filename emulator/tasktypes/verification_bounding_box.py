"""`VerificationBoundingBox`: workers judge the boxes of an earlier bounding-box job.

The input manifest is an earlier job's output (every line must carry a label of type
`groundtruth/object-detection`; a line without one fails the job). The task input holds the
whole line as `manifestLine`; the template shows the earlier boxes (`crowd-image-classifier`
with an `overlay`) and asks for one verdict among the job's label categories (at least 2),
with an optional `worker-comment`. Output: the verdict's index, metadata `class-name`,
`confidence`, type `groundtruth/label-verification` and `worker-feedback` (the comments, when
any worker wrote one). The earlier label stays on the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consolidation.verification import LABEL_VERIFICATION, consolidate_label_verification
from emulator.elements.classifiers import check_job_answer
from emulator.tasktypes._boxes import box_pre_annotation, check_earlier_boxes
from emulator.tasktypes.base import (
    SOURCE_REF,
    JobContext,
    LabelRules,
    PerBatchConsolidation,
    TaskType,
)
from emulator.tasktypes.templates import VERIFICATION_TEMPLATE


def check_verdict(answer: Mapping[str, Any], job: JobContext, line: dict[str, Any]) -> str | None:
    """One verdict among the job's label categories (the verification types' answer rule)."""
    return check_job_answer(
        answer, multi_label=False, categories=job.labels, exclusion_category=None
    )


TASK_TYPE = TaskType(
    name="VerificationBoundingBox",
    source_key=SOURCE_REF,
    image=True,
    element="crowd-image-classifier",
    needs_label_file=True,
    label_rules=LabelRules(2),
    output_type=LABEL_VERIFICATION,
    pre_annotation=box_pre_annotation,
    consolidation=PerBatchConsolidation(consolidate_label_verification),
    check_answer=check_verdict,
    check_line=check_earlier_boxes("verify"),
    template=VERIFICATION_TEMPLATE,
)
