"""Rendered pages: the crowd elements and URLs a rendered template contains."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from worker_ui.lint.findings import KNOWN_ELEMENTS


@dataclass
class PageElement:
    """A start tag of the rendered page: its name, attributes and positions."""

    tag: str
    attributes: dict[str, str | None]
    line: int
    column: int
    start_tag: str
    ordinal: int
    inside_form: bool
    children: set[str] = field(default_factory=set)

    def attribute_offset(self, name: str) -> tuple[int, int]:
        """Rendered line and column of attribute `name` (the tag's own when not found)."""
        return _offset_in(
            self.start_tag, self.line, self.column, _attribute_index(self.start_tag, name)
        )


@dataclass
class PageScan:
    elements: list[PageElement]
    external_resources: list[str]

    def named_elements(self) -> list[PageElement]:
        return [e for e in self.elements if e.tag in KNOWN_ELEMENTS and e.attributes.get("name")]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[PageElement] = []
        self.external: list[str] = []
        self._counts: dict[str, int] = {}
        self._open: list[PageElement] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, offset = self.getpos()
        ordinal = self._counts.get(tag, 0)
        self._counts[tag] = ordinal + 1
        inside_form = any(e.tag == "crowd-form" for e in self._open)
        element = PageElement(
            tag, dict(attrs), line, offset + 1, self.get_starttag_text() or "", ordinal, inside_form
        )
        for ancestor in self._open:
            ancestor.children.add(tag)
        self.elements.append(element)
        self._note_external(element)
        if tag not in _VOID_TAGS:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._open and self._open[-1].tag == tag:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def _note_external(self, element: PageElement) -> None:
        url = external_url(element)
        if url:
            self.external.append(url)


def external_url(element: PageElement) -> str | None:
    """The URL of a script or stylesheet from another host (offline it cannot load,
    docs/elements.md#page-assembly); the crowd elements' own host is served locally."""
    if element.tag == "script":
        url = element.attributes.get("src")
    elif element.tag == "link" and "stylesheet" in (element.attributes.get("rel") or ""):
        url = element.attributes.get("href")
    else:
        return None
    if url and re.match(r"(?:https?:)?//", url) and "assets.crowd.aws" not in url:
        return url
    return None


_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)


def scan_page(html: str) -> PageScan:
    """The start tags of a page (line and column of each) and the external scripts and
    stylesheets it loads (which cannot load offline,
    docs/elements.md#page-assembly)."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return PageScan(parser.elements, parser.external)


def _attribute_index(start_tag: str, name: str) -> int:
    match = re.search(rf"\s({re.escape(name)})\s*(=|\s|/?>)", start_tag, re.IGNORECASE)
    return match.start(1) if match else 0


def _offset_in(text: str, line: int, column: int, index: int) -> tuple[int, int]:
    before = text[:index]
    newlines = before.count("\n")
    if newlines == 0:
        return line, column + index
    return line + newlines, index - before.rfind("\n")
