"""The `to_json` filter: JSON for attributes and scripts."""

from __future__ import annotations

from markupsafe import Markup

from ..text import to_json as encode_json


def to_json(value: object) -> Markup:
    """Compact JSON of the value (undefined and nil give `null`), not autoescaped.

    Pipe it into `escape` inside a double-quoted attribute. `< > & = '` inside strings are
    written as `\\u003c`-style escapes, so the JSON cannot close a `<script>` element or a
    single-quoted attribute whatever the data holds.
    """
    return Markup(encode_json(value))
