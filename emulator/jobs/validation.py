"""Checking a worker's answer against the task's contract before it is stored (spec §4.4)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from consolidation.serialization import dumps
from emulator import lambdas

MAX_ANSWER_BYTES = 1_000_000


class AnswerRejected(Exception):
    """A submitted answer does not meet the task's contract (spec §4.4); nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate_answer(answer: Any, inputs: Any) -> None:
    """Raise AnswerRejected unless `answer` is acceptable for a task of `inputs.task_type`."""
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
    categories = inputs.labels or []
    if inputs.task_type in lambdas.MULTI_LABEL_TYPES:
        _check_multi_label(answer, categories, inputs.exclusion_category)
    elif inputs.task_type in lambdas.SINGLE_LABEL_TYPES:
        _check_single_label(answer, categories)


def _has_non_finite(value: Any) -> bool:
    """NaN, Infinity or -Infinity anywhere inside (they would make output files invalid)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(item) for item in value)
    return False


def _element_output(answer: dict[str, Any], key: str) -> Mapping[str, Any] | None:
    for value in answer.values():
        if isinstance(value, Mapping) and key in value:
            return value
    return None


def _check_multi_label(
    answer: dict[str, Any], categories: list[str], exclusion: str | None
) -> None:
    output = _element_output(answer, "labels")
    if output is None:
        raise AnswerRejected(
            'The answer has no classifier output with "labels", e.g. '
            '{"crowd-image-classifier-multi-select": {"labels": ["cat"]}}.'
        )
    labels = output["labels"]
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise AnswerRejected('"labels" must be a list of label strings.')
    if not labels:
        raise AnswerRejected("Select at least one label.")
    if len(set(labels)) != len(labels):
        raise AnswerRejected('"labels" must not repeat a label.')
    allowed = set(categories)
    if exclusion is not None:
        allowed.add(exclusion)
    for label in labels:
        if label not in allowed:
            raise AnswerRejected(f'"{label}" is not one of the label categories of this job.')


def _check_single_label(answer: dict[str, Any], categories: list[str]) -> None:
    output = _element_output(answer, "label")
    if output is None:
        raise AnswerRejected(
            'The answer has no classifier output with "label", e.g. '
            '{"crowd-image-classifier": {"label": "cat"}}.'
        )
    label = output["label"]
    if not isinstance(label, str) or label not in categories:
        raise AnswerRejected(f'"{label}" is not one of the label categories of this job.')
