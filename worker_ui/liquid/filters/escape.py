"""The `escape` filter: HTML-escape a value once, whatever it was before."""

from __future__ import annotations

from markupsafe import Markup

from ..text import escape_html, to_text


def escape(value: object) -> Markup:
    """Escape `& < > " '`. The result is not escaped again by autoescape.

    Unlike python-liquid's own filter, already-safe markup (for example the output of
    `to_json`) is escaped too: that is what `categories="{{ x | to_json | escape }}"` needs.
    """
    return escape_html(to_text(value))
