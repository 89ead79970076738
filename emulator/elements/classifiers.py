"""The four classifier elements: `crowd-image-classifier[-multi-select]`, `crowd-classifier[…]`.

Their answer sits under the element's `name`: `{"labels": [...]}` for the multi-select ones,
`{"label": "..."}` for the others. Two checks live here, one per reader of that answer:

- `check_answer` (the `ElementSpec` hook) is the element's output contract as the designer
  tools report it, against the categories the rendered element shows;
- `check_job_answer` is what a built-in classification job accepts from a worker (the engine
  refuses anything else and stores nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulator.elements.base import ElementContext, ElementSpec, SimulatedWorker
from emulator.elements.facts import element_facts

MULTI_LABEL = "labels"
SINGLE_LABEL = "label"
_IMAGE_ATTRIBUTES = ("name", "src", "header", "categories")
#: Documented for the image classifiers, optional: an earlier job's labels drawn over the image
#: (read by `facts.overlay_problem`, drawn by the browser element).
OVERLAY = "overlay"
_TEXT_ATTRIBUTES = ("name", "categories", "header")
_REGIONS = ("full-instructions", "short-instructions")
#: Worst-case number of categories the single-label elements show well (lint warns above it).
SINGLE_LABEL_CATEGORY_LIMIT = 10


def allowed_labels(context: ElementContext) -> set[str] | None:
    """What the element lets a worker pick: its categories (and exclusion category), limited
    to the job's categories when it has them; None when the attributes cannot be read."""
    facts = element_facts(context.attributes)
    if facts.categories_problem is not None:
        return None
    # An unreadable exclusion category is no exclusion category (as in the browser element).
    exclusion = {facts.exclusion_category} if facts.exclusion_category else set()
    allowed = set(facts.categories or ()) | exclusion
    if context.categories is not None:
        allowed &= set(context.categories) | exclusion
    return allowed


def _check_labels(value: Any, context: ElementContext) -> str | None:
    labels = value.get("labels") if isinstance(value, Mapping) else None
    if not isinstance(labels, list) or not labels:
        return 'expected {"labels": [<one or more categories>]}'
    if not all(isinstance(label, str) for label in labels) or len(set(labels)) != len(labels):
        return "labels must be distinct strings"
    allowed = allowed_labels(context)
    unknown = [label for label in labels if allowed is not None and label not in allowed]
    return f"not categories of the task: {unknown}" if unknown else None


def _check_label(value: Any, context: ElementContext) -> str | None:
    label = value.get("label") if isinstance(value, Mapping) else None
    if not isinstance(label, str):
        return 'expected {"label": "<category>"}'
    allowed = allowed_labels(context)
    return None if allowed is None or label in allowed else f"{label!r} is not a category"


def _choices(context: ElementContext) -> list[str]:
    facts = element_facts(context.attributes)
    return list(context.categories or facts.categories or [])


def _simulate_labels(context: ElementContext, worker: SimulatedWorker) -> dict[str, Any]:
    """Each true label kept with probability `accuracy`, each other one added with probability
    `1 - accuracy`; at least one label."""
    choices = _choices(context)
    truth = set(worker.truth or ())
    chosen = [
        label for label in choices if (worker.rng.random() < worker.accuracy) == (label in truth)
    ]
    if not chosen and choices:
        chosen = [choices[int(worker.rng.integers(len(choices)))]]
    return {"labels": chosen}


def _simulate_label(context: ElementContext, worker: SimulatedWorker) -> dict[str, Any]:
    """The true label with probability `accuracy`, else another category at random."""
    choices = _choices(context)
    truth = list(worker.truth or ())
    true = truth[0] if truth else None
    if true in choices and worker.rng.random() < worker.accuracy:
        return {"label": true}
    others = [label for label in choices if label != true] or choices
    return {"label": others[int(worker.rng.integers(len(others)))]}


def _classifier(tag: str, *, multi_label: bool, image: bool) -> ElementSpec:
    attributes = _IMAGE_ATTRIBUTES if image else _TEXT_ATTRIBUTES
    documented = (*attributes, OVERLAY) if image else attributes
    if multi_label:
        documented = (*documented, "exclusion-category")
    return ElementSpec(
        tag=tag,
        attributes=documented,
        required=attributes,
        literal_attributes={"categories": "list"},
        regions=_REGIONS,
        answer_nesting="name",
        check_answer=_check_labels if multi_label else _check_label,
        simulate_answer=_simulate_labels if multi_label else _simulate_label,
        docs_anchor="classifiers",
        traits={
            "output": MULTI_LABEL if multi_label else SINGLE_LABEL,
            "multi_label": multi_label,
            "single_label": not multi_label,
            "image": image,
            "task_answer": True,
        },
    )


SPECS = (
    _classifier("crowd-image-classifier-multi-select", multi_label=True, image=True),
    _classifier("crowd-image-classifier", multi_label=False, image=True),
    _classifier("crowd-classifier", multi_label=False, image=False),
    _classifier("crowd-classifier-multi-select", multi_label=True, image=False),
)


# -- what a built-in classification job accepts -----------------------------------------------


def _element_output(answer: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    for value in answer.values():
        if isinstance(value, Mapping) and key in value:
            return value
    return None


def check_job_answer(
    answer: Mapping[str, Any],
    *,
    multi_label: bool,
    categories: Sequence[str],
    exclusion_category: str | None,
) -> str | None:
    """None when a built-in classification job accepts `answer` (the whole posted object),
    else the message for the worker. The output may sit under any name; a multi-label answer
    may be the template's exclusion category alone."""
    if not multi_label:
        output = _element_output(answer, "label")
        if output is None:
            return (
                'The answer has no classifier output with "label", e.g. '
                '{"crowd-image-classifier": {"label": "cat"}}.'
            )
        label = output["label"]
        if not isinstance(label, str) or label not in categories:
            return f'"{label}" is not one of the label categories of this job.'
        return None
    output = _element_output(answer, "labels")
    if output is None:
        return (
            'The answer has no classifier output with "labels", e.g. '
            '{"crowd-image-classifier-multi-select": {"labels": ["cat"]}}.'
        )
    labels = output["labels"]
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        return '"labels" must be a list of label strings.'
    if not labels:
        return "Select at least one label."
    if len(set(labels)) != len(labels):
        return '"labels" must not repeat a label.'
    allowed = set(categories)
    if exclusion_category is not None:
        allowed.add(exclusion_category)
    for label in labels:
        if label not in allowed:
            return f'"{label}" is not one of the label categories of this job.'
    return None
