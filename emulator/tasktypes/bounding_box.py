"""`BoundingBox`: workers draw labelled boxes on an image (`crowd-bounding-box`).

Label file: 1 to 50 labels. Task input: `taskObject` (the image), `labels`, `manifestLine`.
Answer: `{"boundingBoxes": [{label, left, top, width, height}], "inputImageProperties"}` under
any name. Output: `image_size` and `annotations` (`class_id`, `left`, `top`, `width`,
`height`), metadata `objects` (a confidence per box), `class-map`, type
`groundtruth/object-detection`.
"""

from consolidation.boxes import consolidate_boxes
from emulator.tasktypes._boxes import (
    BOX_ELEMENT,
    MAX_BOX_LABELS,
    OBJECT_DETECTION,
    box_pre_annotation,
    check_box_answer,
)
from emulator.tasktypes.base import SOURCE_REF, LabelRules, PerBatchConsolidation, TaskType
from emulator.tasktypes.templates import BOUNDING_BOX_TEMPLATE

TASK_TYPE = TaskType(
    name="BoundingBox",
    source_key=SOURCE_REF,
    image=True,
    reads_image_size=True,
    element=BOX_ELEMENT,
    needs_label_file=True,
    label_rules=LabelRules(1, MAX_BOX_LABELS),
    output_type=OBJECT_DETECTION,
    demo_name="bounding-box",
    pre_annotation=box_pre_annotation,
    consolidation=PerBatchConsolidation(consolidate_boxes),
    check_answer=check_box_answer,
    template=BOUNDING_BOX_TEMPLATE,
)
