"""`ImageMultiClassMultiLabel`: one or more labels per image.

The element is `crowd-image-classifier-multi-select`.

Label file: 2 to 50 categories. Output: a list of class indices with a `class-map` and
per-label confidences, type `groundtruth/image-classification-multilabel`.
"""

from emulator.tasktypes._classification import classification_type

TASK_TYPE = classification_type(
    "ImageMultiClassMultiLabel",
    multi_label=True,
    image=True,
    element="crowd-image-classifier-multi-select",
    demo_name="multilabel",
)
