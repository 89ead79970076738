"""Reading the JSON or JavaScript-style literals templates put in element attributes.

AWS's samples write `labels="['Cat', 'Dog']"` or `[{label: 'person', shortDisplayName: 'per'}]`:
single quotes and unquoted keys, which JSON refuses. The browser elements read them with a small
parser (never `eval`); on the server the same values are read here, also without evaluating
anything: JSON first, then Python's literal reader, then once more with bare keys quoted.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

# An unquoted object key (`{label:` or `, shortDisplayName:`) or a JavaScript word, outside strings.
_TOKEN = re.compile(
    r"""(?P<string>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")"""
    r"|(?P<key>(?<=[{,])\s*[A-Za-z_$][\w$]*(?=\s*:))"
    r"|(?P<word>\b(?:true|false|null)\b)"
)
_JS_WORDS = {"true": "True", "false": "False", "null": "None"}


def _pythonise(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("key"):
            return repr(match.group("key").strip())
        if match.group("word"):
            return _JS_WORDS[match.group("word")]
        return match.group(0)

    return _TOKEN.sub(replace, text)


def read_literal(text: str | None) -> Any:
    """The value of a JSON or JavaScript-style literal; raises ValueError when unreadable."""
    if text is None or not text.strip():
        raise ValueError("the attribute is empty")
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(_pythonise(text).strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError) as error:
        raise ValueError(f"cannot read {text[:60]!r} as a JSON or JavaScript literal") from error


def label_names(value: Any) -> list[str]:
    """Label strings of a `labels`/`categories` value: strings, or objects with `label`/`name`."""
    if not isinstance(value, list):
        raise ValueError("expected a list of labels")
    names = []
    for item in value:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("label", item.get("name")), str):
            names.append(item.get("label", item.get("name")))
        else:
            raise ValueError(f"a label must be a string or an object with a label: {item!r}")
    return names


def attribute_labels(attributes: Any, name: str, fallback: Any = None) -> list[str] | None:
    """The labels an element offers: its `name` attribute when readable, else `fallback` (the
    job's categories), else None when nothing says."""
    raw = attributes.get(name) if attributes else None
    if raw is not None:
        try:
            return label_names(read_literal(raw))
        except ValueError:
            pass
    return list(fallback) if fallback is not None else None
