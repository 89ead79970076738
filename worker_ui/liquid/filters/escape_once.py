"""The `escape_once` filter: HTML-escape, leaving existing entities alone."""

from __future__ import annotations

from markupsafe import Markup

from ..text import escape_html_once, to_text


def escape_once(value: object) -> Markup:
    """Escape `& < > " '` except the `&` of entities already there (`&amp;` stays)."""
    return escape_html_once(to_text(value))
