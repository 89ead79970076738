"""What the segmentation and named-entity task types share: finding the element's output in a
posted answer and checking it against the element's contract with what the job knows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.elements import ElementContext, element_spec
from emulator.tasktypes.base import JobContext


def element_output(answer: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """The first value of `answer` (under any name) that is an object holding `key`."""
    return next((v for v in answer.values() if isinstance(v, Mapping) and key in v), None)


def static_attributes(job: JobContext, tag: str) -> dict[str, str]:
    """The template's attributes of its `tag` element that hold no Liquid: the engine reads the
    template before rendering, so `labels="{{ task.input.labels | to_json }}"` says nothing yet
    (the job's label categories stand in for it)."""
    if job.facts.tag != tag:
        return {}
    return {
        k: v
        for k, v in job.facts.attributes.items()
        if isinstance(v, str) and "{{" not in v and "{%" not in v
    }


def check_with_element(
    tag: str,
    output: Mapping[str, Any],
    job: JobContext,
    *,
    extra_attributes: Mapping[str, str] | None = None,
    image_size: tuple[int, int] | None = None,
) -> str | None:
    """The element's own answer check with the job's attributes, categories and image size."""
    spec = element_spec(tag)
    if spec is None or spec.check_answer is None:
        return None
    context = ElementContext(
        tag,
        {**static_attributes(job, tag), **(extra_attributes or {})},
        categories=list(job.labels),
        image_size=image_size,
    )
    return spec.check_answer(dict(output), context)
