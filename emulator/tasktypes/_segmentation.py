"""What the two task types chained to a semantic-segmentation job share (adjustment and
verification): finding the earlier job's label map on a line, the line rule that requires one,
and the Liquid that turns the earlier `internal-color-map` into `labelMappings`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from consolidation.masks import SEMANTIC_SEGMENTATION
from emulator.tasktypes.base import JobContext

#: The earlier job's label attribute the default adjustment and verification templates read.
DEFAULT_EARLIER_ATTRIBUTE = "segmentation-ref"
MANIFEST_LINE = "task.input.manifestLine"


def earlier_attribute(line: Mapping[str, Any], own_attribute: str) -> str | None:
    """The label attribute of an earlier semantic-segmentation job on `line`."""
    for key, value in line.items():
        metadata = line.get(f"{key}-metadata")
        if (
            key != own_attribute
            and key.endswith("-ref")
            and isinstance(value, str)
            and isinstance(metadata, Mapping)
            and metadata.get("type") == SEMANTIC_SEGMENTATION
        ):
            return key
    return None


def check_earlier_label_map(kind: str) -> Callable[[dict[str, Any], JobContext], str | None]:
    """The line rule of a job that `kind`s (adjusts, verifies) an earlier label map."""

    def check_line(line: dict[str, Any], job: JobContext) -> str | None:
        if earlier_attribute(line, job.label_attribute_name) is not None:
            return None
        return (
            f"Line has no earlier semantic-segmentation label to {kind} (an attribute ending in "
            f'"-ref" with a "-metadata" of type {SEMANTIC_SEGMENTATION})'
        )

    return check_line


def _color_map_loop(attribute: str, body: str) -> str:
    """Liquid repeating `body` for each class of the earlier `internal-color-map` but the
    background (`entry[1]` is one class: `class-name`, `hex-color`)."""
    return (
        "{% for entry in " + MANIFEST_LINE + "['" + attribute + "-metadata']"
        "['internal-color-map'] %}{% if entry[1]['class-name'] != 'BACKGROUND' %}"
        + body + "{% endif %}{% endfor %}"
    )


def label_mappings_liquid(attribute: str) -> str:
    """The body of a `labelMappings` object literal (`"cat": {'color': '#2ca02c'},` …) built
    from the earlier `internal-color-map`, as AWS documents for its templates."""
    return _color_map_loop(
        attribute,
        "{{ entry[1]['class-name'] | to_json | escape }}: "
        "{'color': {{ entry[1]['hex-color'] | to_json | escape }}},",
    )


def label_names_liquid(attribute: str) -> str:
    """The body of a list literal of the earlier job's class names (`"cat", "dog",`)."""
    return _color_map_loop(attribute, "{{ entry[1]['class-name'] | to_json | escape }},")


def earlier_map_liquid(attribute: str) -> str:
    """The earlier label map's URL, readable by the worker's browser."""
    return "{{ " + MANIFEST_LINE + "['" + attribute + "'] | grant_read_access }}"
