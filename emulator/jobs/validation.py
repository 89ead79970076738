"""Checking a worker's answer against the task's contract before it is stored (spec §4.4).

The contract is the task type's (`emulator.tasktypes`); this module adds what holds for every
job: one JSON object, at most a megabyte.
"""

from __future__ import annotations

import math
from typing import Any

from consolidation.serialization import dumps

MAX_ANSWER_BYTES = 1_000_000


class AnswerRejected(Exception):
    """A submitted answer does not meet the task's contract (spec §4.4); nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate_answer(
    answer: Any,
    inputs: Any,
    label_attribute_name: str = "",
    line: dict | None = None,
    task_input: Any = None,
) -> None:
    """Raise AnswerRejected unless `answer` is acceptable for a task of `inputs.task` and
    meets the answer contract of every registered element on the task's page."""
    if not isinstance(answer, dict):
        raise AnswerRejected("The answer must be a JSON object.")
    try:
        size = len(dumps(answer).encode("utf-8"))
    except (TypeError, ValueError):
        raise AnswerRejected("The answer must be plain JSON.") from None
    if _has_non_finite(answer):
        raise AnswerRejected(
            "The answer contains NaN or Infinity, which JSON does not allow; send a finite "
            "number (or null) instead."
        )
    if size > MAX_ANSWER_BYTES:
        raise AnswerRejected(f"The answer is larger than {MAX_ANSWER_BYTES} bytes.")
    check = inputs.task.check_answer
    if check is not None:
        problem = check(answer, inputs.job_context(label_attribute_name), line or {})
        if problem is not None:
            raise AnswerRejected(problem)
    _check_elements(answer, inputs.template, task_input)


def _has_non_finite(value: Any) -> bool:
    """NaN, Infinity or -Infinity anywhere inside (they would make output files invalid)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(item) for item in value)
    return False


def _check_elements(answer: dict[str, Any], template: Any, task_input: Any) -> None:
    """The contracts of the page's registered elements (e.g. the V2 elements of a custom
    template), found on the page rendered for this task."""
    from emulator import simulate_elements

    source = getattr(template, "source", None)
    if not source or not simulate_elements.checks_answers(source):
        return
    page = simulate_elements.render_page(template, task_input)
    if page is None:
        return  # the object fails when its page is rendered for a worker
    message = simulate_elements.check_page_answer(simulate_elements.crowd_elements(page), answer)
    if message:
        raise AnswerRejected(message)
