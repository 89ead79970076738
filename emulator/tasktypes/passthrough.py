"""`PassThrough`: AWS's built-in functions that change nothing.

Pre-annotation hands the task the manifest line itself; consolidation writes `{}` under the
label attribute with `groundtruth/custom` metadata and the worker-response reference, so that
the answers are read from the worker-response files. Any template, any answer.
"""

from emulator.tasktypes.base import TaskType

TASK_TYPE = TaskType(name="PassThrough")
