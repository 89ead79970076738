"""How values become text in a Ground Truth template, and how that text is escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from liquid import Undefined
from markupsafe import Markup

# Gson's HTML-safe escapes, which Ground Truth's JSON shows
# (docs/engine.md#json-as-ground-truth-writes-it). They keep JSON printed into a `<script>` block or
# a single-quoted attribute from ending it early. (Same table as `consolidation.serialization`,
# which this package may not import.)
_HTML_SAFE_JSON = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "=": "\\u003d", "'": "\\u0027"}
)
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})
_HTML_ESCAPES_BUT_AMPERSAND = str.maketrans({"<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})
_BARE_AMPERSAND = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);)")


def to_json(value: Any) -> str:
    """Compact JSON with HTML-safe escapes; undefined and nil become `null`."""
    return json.dumps(
        _plain(value), ensure_ascii=False, separators=(",", ":"), default=_json_default
    ).translate(_HTML_SAFE_JSON)


def to_text(value: Any) -> str:
    """The text a value prints as: lists and objects as compact JSON
    (docs/templates.md#the-dialect)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Undefined) or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, Mapping)):
        return to_json(value)
    if isinstance(value, range):
        return f"{value.start}..{value.stop - 1}"
    return str(value)


def escape_html(text: str) -> Markup:
    """Escape the five HTML characters: `"` as `&#34;`, `'` as `&#39;`
    (docs/templates.md#the-dialect)."""
    return Markup(str(text).translate(_HTML_ESCAPES))


def escape_html_once(text: str) -> Markup:
    """Escape, leaving existing character references (`&amp;`, `&#39;`) as they are."""
    text = _BARE_AMPERSAND.sub("&amp;", str(text))
    return Markup(text.translate(_HTML_ESCAPES_BUT_AMPERSAND))


def to_output(value: Any) -> str:
    """What an output statement writes: safe markup verbatim, everything else escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return str(escape_html(to_text(value)))


def _plain(value: Any) -> Any:
    if isinstance(value, Undefined):
        return None
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, range):
        return list(value)
    return str(value)
