"""`VerificationSemanticSegmentation`: workers judge the label map of an earlier semantic-
segmentation job.

The input manifest is an earlier job's output: every line must carry that job's label (an
attribute ending in `-ref` whose `-metadata` has type `groundtruth/semantic-segmentation`); a
line without one fails the job. The task input is the box types' (`taskObject`, `labels`,
`manifestLine`); the template shows the earlier map over the image (`crowd-image-classifier`
with `overlay="{ semanticSegmentation: … }"`, see `verification_template`) and asks for one
verdict among the job's label categories (at least 2), with an optional `worker-comment`.
Output as `VerificationBoundingBox`: the verdict's index, metadata `class-name`, `confidence`,
type `groundtruth/label-verification` and `worker-feedback`. The earlier label stays on the
line. The job's own label attribute must not end in `-ref` (its label is not a file).
"""

from __future__ import annotations

from consolidation.verification import LABEL_VERIFICATION, consolidate_label_verification
from emulator.tasktypes._boxes import box_pre_annotation
from emulator.tasktypes._segmentation import (
    DEFAULT_EARLIER_ATTRIBUTE,
    check_earlier_label_map,
    earlier_map_liquid,
    label_mappings_liquid,
    label_names_liquid,
)
from emulator.tasktypes.base import SOURCE_REF, LabelRules, PerBatchConsolidation, TaskType
from emulator.tasktypes.templates import CROWD_SCRIPT
from emulator.tasktypes.verification_bounding_box import check_verdict


def verification_template(attribute: str = DEFAULT_EARLIER_ATTRIBUTE) -> str:
    """`crowd-image-classifier` showing the earlier job's label map (`attribute`) over the image,
    its colours from the earlier `internal-color-map`; one verdict and a comment."""
    overlay = (
        "{ semanticSegmentation: { labels: [" + label_names_liquid(attribute) + "], "
        "labelMappings: { " + label_mappings_liquid(attribute) + " }, "
        "src: '" + earlier_map_liquid(attribute) + "' } }"
    )
    return f"""{CROWD_SCRIPT}

<crowd-form>
  <crowd-image-classifier
    name="verdict"
    src="{{{{ task.input.taskObject | grant_read_access }}}}"
    header="Are the painted labels right?"
    categories="{{{{ task.input.labels | to_json | escape }}}}"
    overlay="{overlay}"
  >
    <full-instructions header="How to judge painted labels">
      <p>An earlier labeling job painted each object with its label's colour. Judge whether the
      paint covers every object, stays inside its edges and has the right label. Say what is
      wrong in a comment.</p>
    </full-instructions>
    <short-instructions>Judge the painted labels; comment on what is wrong.</short-instructions>
    <worker-comment header="What is wrong?" link-text="Add a comment"
      placeholder="e.g. the dog's tail is not painted"></worker-comment>
  </crowd-image-classifier>
</crowd-form>
"""


TASK_TYPE = TaskType(
    name="VerificationSemanticSegmentation",
    source_key=SOURCE_REF,
    image=True,
    element="crowd-image-classifier",
    needs_label_file=True,
    label_rules=LabelRules(2),
    output_type=LABEL_VERIFICATION,
    pre_annotation=box_pre_annotation,
    consolidation=PerBatchConsolidation(consolidate_label_verification),
    check_answer=check_verdict,
    check_line=check_earlier_label_map("verify"),
    template=verification_template(),
)
