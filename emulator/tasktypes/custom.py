"""`Custom`: a job whose Lambda ARNs are not built-in ones (or that has none).

The user's functions (registered with `register_lambda`) do the work; without a pre-annotation
function the task input is the manifest line; without a consolidation function the output is
`{}` with `groundtruth/custom` metadata. Any template, any answer.
"""

from emulator.tasktypes.base import TaskType

TASK_TYPE = TaskType(name="Custom")
