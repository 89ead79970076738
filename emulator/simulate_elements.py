"""Answers for any template built from known crowd elements, through the element registry.

A task's page (its template rendered with its input) is scanned for crowd elements; each element
that posts an answer is looked up in the registry (`emulator.elements`), which says where its
answer sits (v1: under its `name`; V2: flat in the answer object), how a simulated worker answers
it and what a submitted answer must satisfy. The simulated workers (`emulator.simulate`) and the
answer check of the engine (`emulator.jobs.validation`) both start here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import numpy as np

from emulator.elements import ELEMENTS, ElementContext, ElementSpec, SimulatedWorker, element_spec

# Crowd elements gtemu draws in the browser whose server-side spec is not in the registry yet;
# their answers are shaped by the classifier workers of `emulator.simulate`. Any other `crowd-*`
# tag is one gtemu does not know.
_DRAWN_WITHOUT_SPEC = frozenset({
    "crowd-form", "crowd-image-classifier-multi-select", "crowd-image-classifier",
    "crowd-classifier", "crowd-classifier-multi-select", "crowd-instructions", "crowd-button",
    "crowd-checkbox", "crowd-input", "crowd-text-area", "crowd-radio-group",
    "crowd-radio-button", "crowd-slider", "crowd-toggle-button", "crowd-card", "crowd-alert",
    "crowd-badge", "crowd-toast", "crowd-modal", "crowd-icon-button", "crowd-fab", "crowd-tabs",
    "crowd-tab",
})


class UnansweredTemplate(ValueError):
    """A simulated worker cannot answer the page: an unknown element, or nothing to answer."""


@dataclass(frozen=True)
class PageElement:
    """A crowd element as it stands in a rendered page: its tag and attribute values."""

    tag: str
    attributes: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"tag": self.tag, "attributes": self.attributes}


class _CrowdElementParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[PageElement] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.startswith("crowd-") or tag in ELEMENTS:
            attributes: dict[str, str] = {}
            for name, value in attrs:
                attributes.setdefault(name, "" if value is None else value)
            self.elements.append(PageElement(tag, attributes))


def crowd_elements(html: str) -> list[PageElement]:
    """Every crowd element (and every registered element) of a rendered page, in page order."""
    parser = _CrowdElementParser()
    parser.feed(html)
    parser.close()
    return parser.elements


def render_page(template: Any, task_input: Any) -> str | None:
    """The task's page, or None when the template cannot be rendered (the object fails when a
    worker opens it, elsewhere)."""
    from worker_ui.liquid import TemplateError, render_task

    if template is None or not hasattr(template, "bound"):
        return None
    try:
        return render_task(template, task_input)
    except TemplateError:
        return None


def task_elements(task: Any) -> list[PageElement] | None:
    """The crowd elements of a task's page: from the worker API's `elements` (remote tasks),
    else by rendering the engine task's template; None when neither is available."""
    listed = getattr(task, "elements", None)
    if isinstance(listed, list):
        return [PageElement(str(e.get("tag", "")), dict(e.get("attributes") or {}))
                for e in listed if isinstance(e, Mapping)]
    page = render_page(getattr(task, "template", None), getattr(task, "input", None))
    return None if page is None else crowd_elements(page)


def registry_answers(elements: Sequence[PageElement]) -> bool:
    """Whether the registry, rather than the classifier workers, answers this page: true unless
    the page's answer comes from a classifier gtemu has no spec for."""
    for element in elements:
        spec = element_spec(element.tag)
        if spec is not None and spec.posts_answer:
            return True
        if spec is None and element.tag not in _DRAWN_WITHOUT_SPEC:
            return True  # unknown: the registry path reports it
    return not any("classifier" in element.tag for element in elements)


def _answering(
    elements: Sequence[PageElement], *, categories: Sequence[str] | None, task_input: Any
) -> list[tuple[ElementSpec, ElementContext]]:
    unknown = sorted({e.tag for e in elements
                      if element_spec(e.tag) is None and e.tag not in _DRAWN_WITHOUT_SPEC})
    if unknown:
        raise UnansweredTemplate(
            f"the template uses {', '.join(f'<{tag}>' for tag in unknown)}, which gtemu does "
            "not know; a simulated worker cannot answer it (script the answers instead)"
        )
    answering = []
    for element in elements:
        spec = element_spec(element.tag)
        if spec is None or not spec.posts_answer:
            continue
        context = ElementContext(element.tag, element.attributes, categories=categories,
                                 task_input=task_input)
        answering.append((spec, context))
    return answering


def simulated_answer(
    elements: Sequence[PageElement],
    worker: SimulatedWorker,
    *,
    categories: Sequence[str] | None = None,
    task_input: Any = None,
) -> dict[str, Any]:
    """The answer object a page's crowd-form would post, each element answered by its spec."""
    answering = _answering(elements, categories=categories, task_input=task_input)
    if not answering:
        raise UnansweredTemplate(
            "the template has no crowd element gtemu knows how to answer; "
            "script the answers instead"
        )
    answer: dict[str, Any] = {}
    for spec, context in answering:
        if spec.simulate_answer is None:
            raise UnansweredTemplate(f"gtemu cannot simulate an answer to <{spec.tag}>")
        try:
            value = spec.simulate_answer(context, worker)
        except ValueError as error:
            raise UnansweredTemplate(f"<{spec.tag}>: {error}") from None
        if spec.answer_nesting == "flat":
            answer.update(value)
        else:
            answer[context.attributes.get("name") or spec.tag] = value
    return answer


def check_page_answer(elements: Sequence[PageElement], answer: Mapping[str, Any]) -> str | None:
    """The first broken answer contract of the page's registered elements, or None."""
    for spec, context in _answering_known(elements):
        if spec.check_answer is None:
            continue
        if spec.answer_nesting == "flat":
            value: Any = answer
        else:
            value = answer.get(context.attributes.get("name") or spec.tag)
        message = spec.check_answer(value, context)
        if message:
            return message
    return None


def _answering_known(elements: Sequence[PageElement]) -> list[tuple[ElementSpec, ElementContext]]:
    found = []
    for element in elements:
        spec = element_spec(element.tag)
        if spec is not None and spec.posts_answer:
            found.append((spec, ElementContext(element.tag, element.attributes)))
    return found


def checks_answers(template_source: str) -> bool:
    """Whether a template names any registered element with an answer contract (a cheap test
    that spares rendering the page of every other template)."""
    lowered = template_source.lower()
    return any(spec.check_answer is not None and f"<{tag}" in lowered
               for tag, spec in ELEMENTS.items())


def worker_rng(*parts: object) -> np.random.Generator:
    """A random stream seeded by the worker and the task, the same on every run."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))
