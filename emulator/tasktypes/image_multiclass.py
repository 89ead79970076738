"""`ImageMultiClass`: exactly one label per image (`crowd-image-classifier`).

Label file: at least 2 categories. Output: one class index with its `class-name` and
confidence, type `groundtruth/image-classification`.
"""

from emulator.tasktypes._classification import classification_type

TASK_TYPE = classification_type(
    "ImageMultiClass",
    multi_label=False,
    image=True,
    element="crowd-image-classifier",
    demo_name="singlelabel",
)
