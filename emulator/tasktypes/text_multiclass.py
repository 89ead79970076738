"""`TextMultiClass`: exactly one label per text (`crowd-classifier`).

The text is the line's `source`. Label file: at least 2 categories. Output type
`groundtruth/text-classification`.
"""

from emulator.tasktypes._classification import classification_type

TASK_TYPE = classification_type(
    "TextMultiClass",
    multi_label=False,
    image=False,
    element="crowd-classifier",
)
