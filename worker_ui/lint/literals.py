"""Lint of the literal attributes of crowd elements (`categories`, `labels`, `initial-value`, …).

Each element's spec says which of its attributes hold a JavaScript/JSON literal and of what kind
(a list, an object, or either); lint reads the rendered value with the browser elements' grammar
(`emulator.elements.literal`) and reports a value the element could not use: unreadable, of
another kind, or — where the spec knows the value's shape — against the element's own rules.
`exclusion-category` (an object or plain text) has its own check, for every element that has it.
Literal checks need sample data: values are checked as rendered.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from emulator.elements.base import ElementContext
from emulator.elements.classifiers import SINGLE_LABEL_CATEGORY_LIMIT
from emulator.elements.literal import (
    LITERAL_KIND_NAMES,
    category_texts,
    exclusion_text,
    read_literal,
)
from worker_ui.lint.findings import ERROR, WARNING, _shorten

if TYPE_CHECKING:
    from emulator.elements import ElementSpec
    from worker_ui.lint.findings import Finding
    from worker_ui.lint.linter import TemplateLinter
    from worker_ui.lint.page import PageElement

CATEGORIES = "categories"
EXCLUSION_CATEGORY = "exclusion-category"


def literal_findings(
    linter: TemplateLinter, element: PageElement, spec: ElementSpec, samples: tuple[str, ...]
) -> list[Finding]:
    """Findings on the element's literal attributes and its `exclusion-category`, as rendered."""
    findings = []
    for name, kind in spec.literal_attributes.items():
        value = element.attributes.get(name)
        # An empty `categories` is "no categories" (below); other empty literals mean "none".
        if value is None or (name != CATEGORIES and not value.strip()):
            continue
        code = "invalid-categories" if name == CATEGORIES else "invalid-literal"
        try:
            parsed = read_literal(value, kind)
        except ValueError as error:
            message = (
                f"'{name}' of <{element.tag}> is not {LITERAL_KIND_NAMES[kind]} after rendering "
                f"({error}): {_shorten(value)!r}{_quoting_hint(linter, element, name)}"
            )
            findings.append(linter._at_attribute(element, name, ERROR, code, message, samples))
            continue
        check = spec.literal_checks.get(name)
        problem = check(parsed, _context(element)) if check is not None else None
        if problem:
            message = f"'{name}' of <{element.tag}> cannot be used: {problem}"
            findings.append(linter._at_attribute(element, name, ERROR, code, message, samples))
        if name == CATEGORIES:
            findings += _category_findings(linter, element, spec, category_texts(value), samples)
    if EXCLUSION_CATEGORY in element.attributes:
        try:
            exclusion_text(element.attributes[EXCLUSION_CATEGORY])
        except ValueError as error:
            message = (
                f"'{EXCLUSION_CATEGORY}' of <{element.tag}> is not valid ({error}); write it as "
                "{ text: 'None of the above' }"
            )
            findings.append(
                linter._at_attribute(
                    element, EXCLUSION_CATEGORY, ERROR, "invalid-exclusion-category", message,
                    samples,
                )
            )
    return findings


def _category_findings(
    linter: TemplateLinter,
    element: PageElement,
    spec: ElementSpec,
    texts: list[str],
    samples: tuple[str, ...],
) -> list[Finding]:
    if not texts:
        message = f"<{element.tag}> has no categories: workers cannot answer"
        return [linter._at_attribute(element, CATEGORIES, ERROR, "no-categories", message, samples)]
    findings = []
    repeated = sorted({text for text in texts if texts.count(text) > 1})
    if repeated:
        message = f"<{element.tag}> lists a category more than once: {repeated}"
        findings.append(
            linter._at_attribute(
                element, CATEGORIES, WARNING, "duplicate-categories", message, samples
            )
        )
    if spec.traits.get("single_label") and len(texts) > SINGLE_LABEL_CATEGORY_LIMIT:
        message = (
            f"<{element.tag}> has {len(texts)} categories; the element supports up to "
            f"{SINGLE_LABEL_CATEGORY_LIMIT} (a job accepts more)"
        )
        findings.append(
            linter._at_attribute(
                element, CATEGORIES, WARNING, "too-many-categories", message, samples
            )
        )
    return findings


def _quoting_hint(linter: TemplateLinter, element: PageElement, attribute: str) -> str:
    """Names the usual cause: `to_json` output ends a double-quoted attribute early."""
    tag_text = linter._template_tag_text(element)
    if tag_text and re.search(
        rf'{re.escape(attribute)}\s*=\s*"\{{\{{[^}}]*to_json(?![^}}]*'
        r"\|\s*escape)",
        tag_text,
    ):
        return (
            "; to_json inside a double-quoted attribute needs '| escape' "
            f'({attribute}="{{{{ x | to_json | escape }}}}")'
        )
    return ""


def _context(element: PageElement) -> ElementContext:
    attributes = {name: value or "" for name, value in element.attributes.items()}
    return ElementContext(element.tag, attributes)
