"""`crowd-entity-annotation`: spans of a text, each with a label.

The answer AWS documents, under the element's `name`:

    {"entities": [{"endOffset": 54, "label": "person", "startOffset": 47}, ...]}

Offsets count Unicode code points (Python's `str` indices; the browser counts the same, not UTF-16
units), `endOffset` is the first code point after the span. The label is one of the element's
`labels` (objects with `label`, optional `shortDisplayName`/`fullDisplayName`, or plain strings),
else one of the job's categories.

Overlap, as AWS's instructions for the element put it ("you can select all of a previously
highlighted text, but not a portion of it"): a span may contain whole other spans, and one span may
carry several different labels, but two spans may not cross (each holding part of the other), and
the same span may not carry the same label twice.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.elements.base import ElementContext, ElementSpec, SimulatedWorker
from emulator.elements.labels import attribute_labels

ATTRIBUTES = ("header", "initial-value", "labels", "name", "text")
REGIONS = ("full-instructions", "short-instructions")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def _is_offset(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def crossing(spans: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The first two spans that cross (each holding part of the other), else None."""
    ordered = sorted(spans, key=lambda s: (s["startOffset"], -s["endOffset"]))
    open_spans: list[dict[str, Any]] = []
    for span in ordered:
        open_spans = [o for o in open_spans if o["endOffset"] > span["startOffset"]]
        for other in open_spans:
            if other["startOffset"] < span["startOffset"] < other["endOffset"] < span["endOffset"]:
                return other, span
        open_spans.append(span)
    return None


def check_entities(value: Any, context: ElementContext) -> str | None:
    if not isinstance(value, dict) or not isinstance(value.get("entities"), list):
        return "The answer must be an object with a list of entities."
    text = context.attributes.get("text")
    length = len(text) if isinstance(text, str) else None
    labels = attribute_labels(context.attributes, "labels", context.categories)
    seen = set()
    for number, entity in enumerate(value["entities"], start=1):
        if not isinstance(entity, dict):
            return f"Entity {number} must be an object with startOffset, endOffset and label."
        start, end, label = entity.get("startOffset"), entity.get("endOffset"), entity.get("label")
        if not (_is_offset(start) and _is_offset(end)):
            return f"Entity {number}: startOffset and endOffset must be whole numbers."
        if not 0 <= start < end or (length is not None and end > length):
            limit = f" (the text has {length} characters)" if length is not None else ""
            return f"Entity {number} spans {start}–{end}, which is not a span of the text{limit}."
        if not isinstance(label, str) or (labels is not None and label not in labels):
            return f"Entity {number} has the label {label!r}, which is not one of {labels}."
        if (start, end, label) in seen:
            return f"Entity {number} repeats the label {label!r} on the span {start}–{end}."
        seen.add((start, end, label))
    pair = crossing(value["entities"])
    if pair:
        first, second = pair
        return (
            f"The spans {first['startOffset']}–{first['endOffset']} and "
            f"{second['startOffset']}–{second['endOffset']} overlap; a span may hold whole "
            "labelled spans but not part of one."
        )
    return None


def _without_crossings(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    seen = set()
    for entity in entities:
        key = (entity["startOffset"], entity["endOffset"], entity["label"])
        if key not in seen and crossing([*kept, entity]) is None:
            kept.append(entity)
            seen.add(key)
    return kept


def _snap(offset: int, text: str, forward: bool) -> int:
    """Moves an offset off whitespace towards the word it belongs to (workers select words)."""
    while 0 < offset < len(text) and text[offset - (0 if forward else 1)].isspace():
        offset += 1 if forward else -1
    return offset


def simulate_entities(context: ElementContext, worker: SimulatedWorker) -> Any:
    """From `worker.truth`: each entity kept, given a slightly wrong boundary, a wrong label or
    missed, the more often the lower the worker's accuracy. Without truth: a few random words."""
    rng = worker.rng
    text = context.attributes.get("text") or ""
    labels = attribute_labels(context.attributes, "labels", context.categories) or []
    if not text or not labels:
        return {"entities": []}
    truth = worker.truth.get("entities") if isinstance(worker.truth, dict) else None
    error = 1.0 - float(min(max(worker.accuracy, 0.0), 1.0))
    entities = []
    if isinstance(truth, list):
        for entity in truth:
            start, end, label = entity["startOffset"], entity["endOffset"], entity["label"]
            roll = rng.random()
            if roll < error * 0.2:
                continue  # missed
            if roll < error * 0.6:
                start = _snap(max(0, start + int(rng.integers(-3, 4))), text, forward=True)
                end = _snap(min(len(text), end + int(rng.integers(-3, 4))), text, forward=False)
            elif roll < error and len(labels) > 1:
                label = str(rng.choice([other for other in labels if other != label]))
            if start < end:
                entities.append({"startOffset": int(start), "endOffset": int(end), "label": label})
    else:
        words = list(_WORD.finditer(text))
        count = min(len(words), int(rng.integers(1, 4)))
        for index in sorted(rng.choice(len(words), size=count, replace=False)) if words else []:
            word = words[int(index)]
            entities.append(
                {
                    "startOffset": word.start(),
                    "endOffset": word.end(),
                    "label": labels[int(rng.integers(len(labels)))],
                }
            )
    ordered = sorted(entities, key=lambda e: (e["startOffset"], e["endOffset"]))
    return {"entities": _without_crossings(ordered)}


SPECS: tuple[ElementSpec, ...] = (
    ElementSpec(
        tag="crowd-entity-annotation",
        attributes=ATTRIBUTES,
        required=("name", "text", "labels"),
        literal_attributes={"labels": "list", "initial-value": "list"},
        regions=REGIONS,
        required_regions=("full-instructions", "short-instructions"),
        answer_nesting="name",
        check_answer=check_entities,
        simulate_answer=simulate_entities,
        docs_anchor="crowd-entity-annotation",
        # AWS documents the element as self-contained: it brings its own form and Submit button
        # and is not placed inside crowd-form (gtemu accepts both).
        traits={"output": "entities", "self_contained_form": True, "task_answer": True},
    ),
)
