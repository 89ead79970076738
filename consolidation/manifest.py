"""Output-manifest lines (docs/consolidation.md#output-manifest-lines): labeled, failed, and
passed-through objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from consolidation.serialization import creation_date

EXPIRED_REASON = (
    "ClientError: Annotation tasks expired.  Probable Reasons are "
    "1) TaskAvailabilityLifetimeInSeconds parameter is too small.  "
    "2) Reward is too low for workers to work on the task.  "
    "3) If you use a custom html template, your template may be broken.  "
    "4) Data (image/video/text) sent for annotation is broken or too big, "
    "preventing completion.  5) All workers declined the tasks."
)


def without_label(input_line: dict[str, Any], attribute: str) -> dict[str, Any]:
    """The input line minus an earlier `<attr>` / `<attr>-metadata` pair (relabeling)."""
    dropped = {attribute, f"{attribute}-metadata"}
    return {key: value for key, value in input_line.items() if key not in dropped}


def labeled_line(
    input_line: dict[str, Any], attribute: str, content: dict[str, Any]
) -> dict[str, Any]:
    """Input keys in input order, then `<attr>`, then `<attr>-metadata` (the last two keys).

    `content` is the ACS's `consolidatedAnnotation.content`; keys other than the pair are
    ignored (docs/engine.md#the-post-annotation-event).
    """
    line = without_label(input_line, attribute)
    line[attribute] = content.get(attribute)
    metadata_key = f"{attribute}-metadata"
    if metadata_key in content:
        line[metadata_key] = content[metadata_key]
    return line


def custom_metadata(
    job_name: str, moment: datetime, worker_response_ref: str | None = None
) -> dict[str, Any]:
    """Metadata Ground Truth adds when a custom ACS (or no ACS) returns none
    (docs/engine.md#the-post-annotation-event)."""
    metadata: dict[str, Any] = {
        "job-name": f"labeling-job/{job_name.lower()}",
        "type": "groundtruth/custom",
        "human-annotated": "yes",
        "creation-date": _millisecond_creation_date(moment),
    }
    if worker_response_ref is not None:
        metadata["worker-response-ref"] = worker_response_ref
    return metadata


def failed_line(input_line: dict[str, Any], attribute: str, reason: str) -> dict[str, Any]:
    """A failed object: no `<attr>`, metadata with the failure
    (docs/consolidation.md#failed-and-passed-through-lines)."""
    line = without_label(input_line, attribute)
    line[f"{attribute}-metadata"] = {
        "retry-count": 1,
        "failure-reason": reason,
        "human-annotated": "true",
    }
    return line


def _millisecond_creation_date(moment: datetime) -> str:
    stamp = creation_date(moment)
    return stamp[:-3] + "000"
