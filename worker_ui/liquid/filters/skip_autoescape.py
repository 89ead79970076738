"""The `skip_autoescape` filter: print a value verbatim."""

from __future__ import annotations

from markupsafe import Markup

from ..text import to_text


def skip_autoescape(value: object) -> Markup:
    """Mark the value as safe HTML so that autoescape leaves it as it is."""
    return Markup(to_text(value))
