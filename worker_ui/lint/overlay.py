"""Lint of the image classifiers' `overlay` (an earlier job's labels drawn over the image).

An overlay written without Liquid is checked once, sample data or not; one that Liquid builds is
checked on each sample's rendered page. Either way the rules are the browser element's, read by
`emulator.elements.facts.overlay_problem`: what it reports is what a worker would see instead of
the overlay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.elements.classifiers import OVERLAY
from emulator.elements.facts import overlay_problem
from worker_ui.lint.findings import ERROR, _shorten
from worker_ui.lint.page import scan_page

if TYPE_CHECKING:
    from emulator.elements import ElementSpec
    from worker_ui.lint.findings import Finding
    from worker_ui.lint.linter import TemplateLinter
    from worker_ui.lint.page import PageElement


def overlay_findings(
    linter: TemplateLinter,
    element: PageElement,
    spec: ElementSpec,
    samples: tuple[str, ...],
    data_checks: bool,
) -> list[Finding]:
    """An error when the element's `overlay` cannot be drawn (unreadable literal, unknown key,
    a box without numbers, a label map without `src` or colours)."""
    value = element.attributes.get(OVERLAY)
    if OVERLAY not in spec.attributes or value is None:
        return []
    written = _written_value(linter._template_tag_text(element))
    static = written is not None and "{{" not in written and "{%" not in written
    if not (static or data_checks):
        return []
    problem = overlay_problem(value)
    if problem is None:
        return []
    message = f"'overlay' of <{element.tag}> cannot be drawn: {problem}: {_shorten(value)!r}"
    return [linter._at_attribute(element, OVERLAY, ERROR, "invalid-overlay", message,
                                 () if static else samples)]


def _written_value(tag_text: str) -> str | None:
    """The `overlay` attribute as the template source writes it (None when unknown)."""
    if not tag_text:
        return None
    elements = scan_page(tag_text).elements
    return elements[0].attributes.get(OVERLAY) if elements else None
