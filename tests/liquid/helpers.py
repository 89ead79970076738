"""Render snippets and read back what a browser would see in them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from worker_ui.liquid import parse_template, render_task


def render(source: str, task_input: Any = None, **kwargs: Any) -> str:
    return render_task(parse_template(source), {} if task_input is None else task_input, **kwargs)


def attributes_of(html: str, tag: str) -> dict[str, str | None]:
    """The attributes of the first `tag` element, unescaped as a browser reads them."""
    found: list[dict[str, str | None]] = []

    class Reader(HTMLParser):
        def handle_starttag(self, name: str, attrs: list[tuple[str, str | None]]) -> None:
            if name == tag and not found:
                found.append(dict(attrs))

    Reader(convert_charrefs=True).feed(html)
    assert found, f"no <{tag}> in {html!r}"
    return found[0]


def text_of(html: str) -> str:
    """The text a browser shows for `html` (character references decoded)."""
    parts: list[str] = []

    class Reader(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    Reader(convert_charrefs=True).feed(html)
    return "".join(parts)
