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
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

from emulator.elements.literal import category_texts, exclusion_text


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
