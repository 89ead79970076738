"""`TextMultiClassMultiLabel`: one or more labels per text (`crowd-classifier-multi-select`).

The text is the line's `source`. Label file: 2 to 50 categories. Output type
`groundtruth/text-classification-multilabel`.
"""

from emulator.tasktypes._classification import classification_type

TASK_TYPE = classification_type(
    "TextMultiClassMultiLabel",
    multi_label=True,
    image=False,
    element="crowd-classifier-multi-select",
)
