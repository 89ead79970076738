"""`AdjustmentBoundingBox`: workers correct the boxes of an earlier bounding-box job.

The input manifest is an earlier job's output: every line must carry that job's label (an
attribute whose `-metadata` has type `groundtruth/object-detection`); a line without one fails
the job. The task input holds the whole line as `manifestLine`, so that the template starts
`crowd-bounding-box` from the earlier boxes (`initial-value`). Label file: 1 to 50 labels.
Output: the adjusted boxes as a `BoundingBox` job writes them, plus `adjustment-status`
(`adjusted` when a worker changed the boxes, else `unadjusted`) in the metadata. The earlier
label stays on the line.
"""

from consolidation.boxes import consolidate_box_adjustment
from emulator.tasktypes._boxes import (
    BOX_ELEMENT,
    MAX_BOX_LABELS,
    OBJECT_DETECTION,
    box_pre_annotation,
    check_box_answer,
    check_earlier_boxes,
)
from emulator.tasktypes.base import SOURCE_REF, LabelRules, PerBatchConsolidation, TaskType
from emulator.tasktypes.templates import ADJUSTMENT_TEMPLATE

TASK_TYPE = TaskType(
    name="AdjustmentBoundingBox",
    source_key=SOURCE_REF,
    image=True,
    reads_image_size=True,
    element=BOX_ELEMENT,
    needs_label_file=True,
    label_rules=LabelRules(1, MAX_BOX_LABELS),
    output_type=OBJECT_DETECTION,
    pre_annotation=box_pre_annotation,
    consolidation=PerBatchConsolidation(consolidate_box_adjustment),
    check_answer=check_box_answer,
    check_line=check_earlier_boxes("adjust"),
    template=ADJUSTMENT_TEMPLATE,
)
