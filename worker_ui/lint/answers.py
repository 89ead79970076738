"""The preview's answer checks: a submitted answer against its element's output contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emulator.elements import ElementContext
from worker_ui.lint import v2 as lint_v2
from worker_ui.lint.findings import KNOWN_ELEMENTS
from worker_ui.lint.page import PageElement, PageScan


@dataclass(frozen=True)
class AnswerCheck:
    """One check of a submitted answer: `ok` False for a contract violation."""

    key: str
    ok: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "ok": self.ok, "message": self.message}


def check_answer(
    answer: Any, page: PageScan, *, categories: Sequence[str] | None = None
) -> list[AnswerCheck]:
    """Checks `answer` (the JSON crowd-form would post) against the output contract of each
    named element of the page (docs/elements.md#the-answer-object) and, for built-in tasks (a label
    file was given), against what the job would accept."""
    if not isinstance(answer, dict):
        return [AnswerCheck("", False, "the answer must be one JSON object")]
    checks, v2_keys = lint_v2.answer_checks(answer, page)
    native = {
        e.attributes.get("name")
        for e in page.elements
        if e.tag in ("input", "select", "textarea") and e.attributes.get("name")
    }
    by_name = {e.attributes["name"]: e for e in page.named_elements()}
    for key, value in answer.items():
        element = by_name.get(key)
        if key in v2_keys:
            continue
        if element is not None:
            checks.append(_check_output(key, value, element, categories))
        elif key in native:
            checks.append(AnswerCheck(key, True, "from a native form control"))
        else:
            checks.append(
                AnswerCheck(
                    key, True, "no element of the rendered page has this name (set from script?)"
                )
            )
    for name, element in by_name.items():
        spec = KNOWN_ELEMENTS[element.tag]
        if name not in answer and spec.traits.get("output") in ("labels", "label"):
            checks.append(
                AnswerCheck(name, False, f'<{element.tag} name="{name}"> contributed nothing')
            )
    if categories is not None:
        checks += _built_in_job_check(answer, page)
    return checks


def _built_in_job_check(answer: dict[str, Any], page: PageScan) -> list[AnswerCheck]:
    """A built-in job (a label file was given) needs its answer element's output."""
    first = next(
        (e for e in page.elements
         if e.tag in KNOWN_ELEMENTS and KNOWN_ELEMENTS[e.tag].traits.get("task_answer")),
        None,
    )
    output = KNOWN_ELEMENTS[first.tag].traits.get("output") if first is not None else None
    if first is None or output in ("labels", "label"):
        keys, message = ("labels", "label"), (
            "a built-in classification job would reject this answer: no element output with "
            "'labels' or 'label'"
        )
    else:
        keys = (output,)
        message = (
            f"a built-in job would reject this answer: no <{first.tag}> output with '{output}'"
        )
    if any(isinstance(v, dict) and any(k in v for k in keys) for v in answer.values()):
        return []
    return [AnswerCheck("", False, message)]


def _check_output(
    key: str, value: Any, element: PageElement, categories: Sequence[str] | None
) -> AnswerCheck:
    spec = KNOWN_ELEMENTS[element.tag]
    context = ElementContext(element.tag, element.attributes, categories=categories)
    problem = spec.check_answer(value, context) if spec.check_answer else None
    if problem:
        return AnswerCheck(key, False, f"{problem} (output of <{element.tag}>)")
    return AnswerCheck(key, True, f"matches the output contract of <{element.tag}>")
