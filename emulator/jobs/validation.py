"""Checking a worker's answer against the task's contract before it is stored (spec §4.4).

The contract is the task type's (`emulator.tasktypes`); this module adds what holds for every
job: one JSON object, at most a megabyte.
"""

from __future__ import annotations

from typing import Any

from consolidation.serialization import dumps

MAX_ANSWER_BYTES = 1_000_000


class AnswerRejected(Exception):
    """A submitted answer does not meet the task's contract (spec §4.4); nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate_answer(
    answer: Any, inputs: Any, label_attribute_name: str = "", line: dict | None = None
) -> None:
    """Raise AnswerRejected unless `answer` is acceptable for a task of `inputs.task`."""
    if not isinstance(answer, dict):
        raise AnswerRejected("The answer must be a JSON object.")
    try:
        size = len(dumps(answer).encode("utf-8"))
    except (TypeError, ValueError):
        raise AnswerRejected("The answer must be plain JSON.") from None
    if size > MAX_ANSWER_BYTES:
        raise AnswerRejected(f"The answer is larger than {MAX_ANSWER_BYTES} bytes.")
    check = inputs.task.check_answer
    if check is None:
        return
    problem = check(answer, inputs.job_context(label_attribute_name), line or {})
    if problem is not None:
        raise AnswerRejected(problem)
