"""What the three bounding-box task types share: the task input, the earlier label of a
chained job, the answer check against `crowd-bounding-box`'s contract, and the adapters to the
box consolidations of `consolidation.boxes`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from emulator.elements import ElementContext, element_spec
from emulator.tasktypes.base import SOURCE_REF, JobContext, source_key_of

BOX_ELEMENT = "crowd-bounding-box"
BOX_ANSWER_KEY = "boundingBoxes"
OBJECT_DETECTION = "groundtruth/object-detection"
MAX_BOX_LABELS = 50


def box_task_input(line: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """The built-in pre-annotation of the box types: the image, the job's labels and the whole
    input line (`manifestLine`), which templates read for earlier labels, e.g.
    `task.input.manifestLine.<attribute>.annotations` for `initial-value`."""
    return {
        "taskObject": line.get(source_key_of(line, SOURCE_REF)),
        "labels": list(job.labels),
        "manifestLine": line,
    }


def box_pre_annotation(line: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """A line that already carries this job's label attribute needs no human (as for the
    classification types); every other line goes to workers."""
    if job.label_attribute_name in line:
        return {"taskInput": None, "isHumanAnnotationRequired": False}
    return {"taskInput": box_task_input(line, job), "isHumanAnnotationRequired": True}


def earlier_box_attribute(line: Mapping[str, Any], own_attribute: str) -> str | None:
    """The label attribute of an earlier bounding-box job on `line`: the first key other than
    this job's whose `-metadata` has type `groundtruth/object-detection` and whose value holds
    `annotations`."""
    for key, value in line.items():
        if key == own_attribute or key.endswith("-metadata") or not isinstance(value, Mapping):
            continue
        metadata = line.get(f"{key}-metadata")
        if (
            isinstance(metadata, Mapping)
            and metadata.get("type") == OBJECT_DETECTION
            and isinstance(value.get("annotations"), list)
        ):
            return key
    return None


def check_earlier_boxes(kind: str) -> Callable[[dict[str, Any], JobContext], str | None]:
    def check_line(line: dict[str, Any], job: JobContext) -> str | None:
        if earlier_box_attribute(line, job.label_attribute_name) is not None:
            return None
        if earlier_box_attribute(line, "") is not None:
            return (
                f'The earlier bounding-box label is under "{job.label_attribute_name}", this '
                "job's own LabelAttributeName; give the job another one so that the earlier "
                "label stays on the line"
            )
        return (
            f"Line has no earlier bounding-box label to {kind} (an attribute with "
            f'"annotations" and a "-metadata" of type {OBJECT_DETECTION})'
        )

    return check_line


def _without_liquid(attributes: Mapping[str, str]) -> dict[str, str]:
    # The engine reads the template before rendering: an attribute still holding Liquid says
    # nothing yet (the job's label categories stand in for `labels`).
    return {k: v for k, v in attributes.items() if "{{" not in v and "{%" not in v}


def check_box_answer(
    answer: Mapping[str, Any], job: JobContext, line: dict[str, Any]
) -> str | None:
    """The `crowd-bounding-box` output, under any name, must meet the element's contract: known
    labels, positive sizes, every box inside the image (its size read from S3 when the image
    can be read, else the answer's `inputImageProperties`)."""
    output = next(
        (v for v in answer.values() if isinstance(v, Mapping) and BOX_ANSWER_KEY in v), None
    )
    if output is None:
        return (
            f'The answer has no {BOX_ELEMENT} output with "{BOX_ANSWER_KEY}", e.g. '
            '{"boundingBox": {"boundingBoxes": [{"label": "cat", "left": 10, "top": 20, '
            '"width": 30, "height": 40}], "inputImageProperties": {"width": 640, '
            '"height": 480}}}.'
        )
    spec = element_spec(BOX_ELEMENT)
    if spec is None or spec.check_answer is None:
        return None
    attributes = job.facts.attributes if job.facts.tag == BOX_ELEMENT else {}
    context = ElementContext(
        BOX_ELEMENT,
        _without_liquid(attributes),
        categories=list(job.labels),
        image_size=job.image_size(line.get(source_key_of(line, SOURCE_REF))),
    )
    return spec.check_answer(dict(output), context)


