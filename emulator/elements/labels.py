"""The labels an annotation element offers, read from its `labels` attribute (or the job's).

`labels="['Cat', 'Dog']"` (segmentation) or `[{label: 'person', shortDisplayName: 'per'}]`
(entity annotation) are read with `emulator.elements.literal.parse_literal`, the same tolerant
grammar as the browser elements; when the attribute is missing or unreadable the job's label
categories stand in, as they do in AWS's built-in templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulator.elements.literal import parse_literal


def label_names(value: Any) -> list[str]:
    """Label strings of a `labels`/`categories` value: strings, or objects with `label`/`name`."""
    if not isinstance(value, list):
        raise ValueError("expected a list of labels")
    names = []
    for item in value:
        name = item.get("label", item.get("name")) if isinstance(item, dict) else item
        if not isinstance(name, str):
            raise ValueError(f"a label must be a string or an object with a label: {item!r}")
        names.append(name)
    return names


def attribute_labels(
    attributes: Mapping[str, Any] | None, name: str, fallback: Sequence[str] | None = None
) -> list[str] | None:
    """The labels an element offers: its `name` attribute when readable, else `fallback` (the
    job's categories), else None when nothing says."""
    raw = attributes.get(name) if attributes else None
    if isinstance(raw, str) and raw.strip():
        try:
            return label_names(parse_literal(raw))
        except ValueError:
            pass
    return list(fallback) if fallback is not None else None


def read_attribute(attributes: Mapping[str, Any] | None, name: str) -> Any:
    """An attribute's literal value, or None when missing or unreadable."""
    raw = attributes.get(name) if attributes else None
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return parse_literal(raw)
    except ValueError:
        return None
