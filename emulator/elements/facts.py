"""The one reader of template facts: which element answers, under which `name`, with which
categories and exclusion category.

The engine reads them from the worker template when a job starts (to know what a valid answer
is), lint and the preview from each rendered page, the worker API and the simulated workers to
shape answers. They all call this module, so that they can never disagree on, say,
`exclusion-category="None of these"` (plain text: the exclusion category is "None of these")
versus `exclusion-category="{ text: 'None of these' }"` (the same) versus
`exclusion-category="{ text: None }"` (unreadable: no exclusion category; lint reports it).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

from emulator.elements.literal import (
    LiteralSyntaxError,
    category_texts,
    exclusion_text,
    parse_literal,
)


@dataclass(frozen=True)
class ElementFacts:
    """What an element's attributes say about the labels a worker may give."""

    #: The `categories` texts; None when the attribute is absent or unreadable.
    categories: list[str] | None = None
    #: The `exclusion-category` text; None when absent or unreadable.
    exclusion_category: str | None = None
    #: Why `categories` or `exclusion-category` could not be read (None when both could).
    categories_problem: str | None = None
    exclusion_problem: str | None = None

    @property
    def problem(self) -> str | None:
        return self.categories_problem or self.exclusion_problem


def element_facts(attributes: Mapping[str, str | None]) -> ElementFacts:
    """Reads `categories` and `exclusion-category` as the browser element reads them."""
    categories = categories_problem = exclusion = exclusion_problem = None
    raw_categories = attributes.get("categories")
    if raw_categories is not None:
        try:
            categories = category_texts(raw_categories)
        except ValueError as error:
            categories_problem = str(error)
    try:
        exclusion = exclusion_text(attributes.get("exclusion-category"))
    except ValueError as error:
        exclusion_problem = str(error)
    return ElementFacts(categories, exclusion, categories_problem, exclusion_problem)


#: The keys an image classifier's `overlay` may hold (AWS: the earlier task type, camelCase).
OVERLAY_KINDS = ("boundingBox", "semanticSegmentation", "instanceSegmentation")
_BOX_NUMBERS = ("left", "top", "width", "height")
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def overlay_problem(value: str | None) -> str | None:
    """What keeps an image classifier's `overlay` from being drawn, as the browser element says
    it (None: it can be drawn, or there is none). The rules are the element's
    (`worker_ui/static/crowd/lib/overlay.js`): an object of known keys; boxes with numeric
    left/top/width/height; a label map with `src` and `labelMappings` colours."""
    if value is None or not value.strip():
        return None
    try:
        parsed = parse_literal(value)
    except LiteralSyntaxError as error:
        return f"it cannot be read ({error})"
    if not isinstance(parsed, dict) or not parsed:
        return f"it must be an object with one of {', '.join(OVERLAY_KINDS)}"
    for kind, body in parsed.items():
        if kind not in OVERLAY_KINDS:
            return f'"{kind}" is not an overlay gtemu knows; use {", ".join(OVERLAY_KINDS)}'
        if not isinstance(body, dict):
            return f"{kind} must be an object"
        if body.get("labels") is not None and not isinstance(body["labels"], list):
            return f"{kind}.labels must be a list of label names"
        problem = _boxes_problem(body) if kind == "boundingBox" else _map_problem(body, kind)
        if problem:
            return problem
    return None


def _boxes_problem(body: Mapping) -> str | None:
    boxes = [] if body.get("value") is None else body["value"]
    if not isinstance(boxes, list):
        return "boundingBox.value must be a list of boxes"
    for index, box in enumerate(boxes):
        if not isinstance(box, dict):
            return f"boundingBox.value[{index}] is not a box"
        for key in _BOX_NUMBERS:
            number = box.get(key)
            if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(
                number
            ):
                return f'boundingBox.value[{index}] needs a number "{key}"'
    return None


def _map_problem(body: Mapping, kind: str) -> str | None:
    if not isinstance(body.get("src"), str) or not body["src"].strip():
        return f'{kind} needs "src", the URL of the earlier label map'
    mappings = body.get("labelMappings")
    if not isinstance(mappings, dict) or not mappings:
        return f"{kind} needs \"labelMappings\" ({{ label: {{ color: '#rrggbb' }} }})"
    for label, mapping in mappings.items():
        color = mapping.get("color") if isinstance(mapping, dict) else None
        if not isinstance(color, str) or not _HEX_COLOR.fullmatch(color.strip()):
            return f"{kind}.labelMappings[\"{label}\"] needs a color such as '#2ca02c'"
    return None


@dataclass(frozen=True)
class TemplateFacts:
    """The answer element of a template or page (None fields when it has none)."""

    tag: str | None = None
    #: The element's `name` (its answer key); the tag itself when the element has no name.
    name: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    categories: list[str] | None = None
    exclusion_category: str | None = None


class _FirstElement(HTMLParser):
    def __init__(self, tags: Collection[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.tags = tags
        self.found: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.found is None and tag in self.tags:
            self.found = (tag, {name: value or "" for name, value in attrs})


@functools.lru_cache(maxsize=1)
def answer_tags() -> frozenset[str]:
    """Elements that carry a job's answer (trait `task_answer` in the registry)."""
    from emulator.elements import ELEMENTS

    return frozenset(tag for tag, spec in ELEMENTS.items() if spec.traits.get("task_answer"))


def template_facts(html: str | None, tags: Collection[str] | None = None) -> TemplateFacts:
    """The facts of the first answer element (one of `tags`, by default every element with the
    `task_answer` trait) in a template source or a rendered page. The result is shared: do not
    change it."""
    if not html:
        return TemplateFacts()
    if tags is None:
        return _default_facts(html)
    return _read_facts(html, frozenset(tags))


@functools.lru_cache(maxsize=256)
def _default_facts(html: str) -> TemplateFacts:
    # Simulated workers and the worker API ask for every task of a job; the answer is a pure
    # function of the text, so it is read once per template.
    return _read_facts(html, answer_tags())


def _read_facts(html: str, tags: frozenset[str]) -> TemplateFacts:
    parser = _FirstElement(tags)
    parser.feed(html)
    parser.close()
    if parser.found is None:
        return TemplateFacts()
    tag, attributes = parser.found
    facts = element_facts(attributes)
    return TemplateFacts(
        tag=tag,
        name=attributes.get("name") or tag,
        attributes=attributes,
        categories=facts.categories,
        exclusion_category=facts.exclusion_category,
    )
