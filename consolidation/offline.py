"""Consolidating a finished (or running) Ground Truth job offline: `gtemu consolidate`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from consolidation.acs import Consolidator
from consolidation.answers import AnswerFormatError, AnswerIndex
from consolidation.manifest import labeled_line
from consolidation.multiclass import DawidSkene
from consolidation.serialization import dumps
from consolidation.sources import (
    SourceError,
    garbage_collection_paused,
    index_folder_answers,
    is_payload_file,
    read_intermediate_lines,
    read_payload_items,
)
from consolidation.text_lines import LineWriter

TASK_TYPES = {
    ("multi-label", False): "ImageMultiClassMultiLabel",
    ("multi-label", True): "TextMultiClassMultiLabel",
    ("single-label", False): "ImageMultiClass",
    ("single-label", True): "TextMultiClass",
}


@dataclass
class OfflineResult:
    """A fitted source; `lines()` generates the output manifest lines one at a time."""

    consolidator: Consolidator
    input_lines: dict[str, dict[str, Any]]
    follow_manifest: bool
    now: datetime
    skipped: list[SourceError] = field(default_factory=list)
    unlabeled: list[str] = field(default_factory=list)
    not_in_manifest: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)

    def lines(self) -> Iterator[dict[str, Any]]:
        """Output lines: manifest order (unanswered objects unchanged) or object order.

        Reported confidences are collected in `confidences` as lines are produced.
        """
        consolidator = self.consolidator
        attribute = consolidator.label_attribute_name
        self.confidences = []
        answered = consolidator.objects
        if self.follow_manifest:
            order = self.input_lines.items()
        else:
            order = (
                (object_id, self.input_lines.get(object_id, {"datasetObjectId": object_id}))
                for object_id in consolidator.arrays.object_ids
            )
        for object_id, line in order:
            content = consolidator.content(object_id, self.now) if object_id in answered else None
            if content is None:
                if self.follow_manifest:
                    yield line
                continue
            self.confidences.extend(_confidences(content[f"{attribute}-metadata"]))
            yield labeled_line(line, attribute, content)


    def text_lines(self) -> Iterator[str]:
        """The lines of `lines()` as `dumps(line) + "\\n"`, built from pre-serialised pieces.

        Same text, an order of magnitude less time per line; `confidences` is filled when the
        last line has been produced.
        """
        consolidator = self.consolidator
        writer = LineWriter(consolidator, self.now)
        row_of = {object_id: row for row, object_id in enumerate(consolidator.arrays.object_ids)}
        written: list[int] = []
        if self.follow_manifest:
            for object_id, line in self.input_lines.items():
                row = row_of.get(object_id)
                if row is not None and writer.labeled(row):
                    written.append(row)
                    yield writer.line(row, line)
                else:
                    yield dumps(line) + "\n"
        else:
            input_lines = self.input_lines
            for row, object_id in enumerate(consolidator.arrays.object_ids):
                if writer.labeled(row):
                    written.append(row)
                    line = input_lines.get(object_id, {"datasetObjectId": object_id})
                    yield writer.line(row, line)
        self.confidences = writer.confidences(written)


def _confidences(metadata: dict[str, Any]) -> list[float]:
    if "confidence-map" in metadata:
        return list(metadata["confidence-map"].values())
    return [metadata["confidence"]]


def default_job_name(source: str) -> str:
    """The job folder's name: `<S3OutputPath>/<job name>` keeps the name as given
    (docs/engine.md#output-layout)."""
    path = PurePosixPath(source.removeprefix("s3://").rstrip("/"))
    if path.suffix == ".json":  # a payload file: <job>/annotations/consolidated-annotation/…
        parts = path.parts
        return parts[parts.index("annotations") - 1] if "annotations" in parts[1:] else path.stem
    while path.name in {"annotations", "worker-response"} or path.name.startswith("iteration-"):
        path = path.parent
    return path.name or "offline"


def consolidate_source(
    source: str,
    *,
    label_categories: list[str],
    task: str,
    label_attribute_name: str | None = None,
    job_name: str | None = None,
    manifest_lines: list[dict[str, Any]] | None = None,
    label_threshold: float | None = None,
    on_error: str = "fail",
    now: datetime | None = None,
) -> OfflineResult:
    """Read every answer of `source`, fit, and build the output-manifest lines.

    `task` is `multi-label` or `single-label`; the text variant is chosen when the input lines
    use `source` rather than `source-ref`. Lines follow the manifest's order when one is given
    (objects without answers pass through unchanged); otherwise numeric `datasetObjectId` order.
    `on_error` is `fail` (raise the first SourceError) or `skip` (collect it and go on).
    """
    if task not in {"multi-label", "single-label"}:
        raise ValueError("task must be multi-label or single-label")
    if on_error not in {"fail", "skip"}:
        raise ValueError("on_error must be skip or fail")
    job_name = job_name or default_job_name(source)
    skipped: list[SourceError] = []

    def handle(error: SourceError) -> None:
        if on_error == "fail":
            raise error
        skipped.append(error)

    with garbage_collection_paused():  # millions of small containers, none in a cycle
        index = AnswerIndex(label_categories, multi_label=task == "multi-label")
        input_lines: dict[str, dict[str, Any]] = {}
        if is_payload_file(source):
            items = read_payload_items(source)
            input_lines = _payload_lines(items)
            _collect(index, items, source, handle)
        else:
            index_folder_answers(source, index, handle)
            if manifest_lines is None:
                input_lines = read_intermediate_lines(source)
        if manifest_lines is not None:
            input_lines = {str(position): line for position, line in enumerate(manifest_lines)}

        text = bool(input_lines) and all(
            "source" in line and "source-ref" not in line for line in input_lines.values()
        )
        consolidator = Consolidator(
            TASK_TYPES[task, text],
            label_categories,
            label_attribute_name or job_name,
            job_name,
            label_threshold=label_threshold,
        )
        consolidator.fit_objects(index.objects)
    result = OfflineResult(
        consolidator,
        input_lines,
        follow_manifest=manifest_lines is not None,
        now=now or datetime.now(timezone.utc),
        skipped=skipped,
    )
    if not consolidator.multi_label:
        result.unlabeled = [
            object_id for object_id, entry in index.objects.items()
            if all(choice is None for choice in entry.selections)
        ]
    if manifest_lines is not None:
        result.not_in_manifest = [
            object_id for object_id in consolidator.arrays.object_ids
            if object_id not in input_lines
        ]
    return result


def _collect(
    index: AnswerIndex,
    items: list[dict[str, Any]],
    source: str,
    handle: Callable[[SourceError], None],
) -> None:
    for position, item in enumerate(items):
        try:
            index.add(item)
        except AnswerFormatError as error:
            handle(SourceError(f"{source} (item {position})", str(error)))


def _payload_lines(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    lines = {}
    for item in items:
        data_object = item.get("dataObject") if isinstance(item, dict) else None
        if isinstance(data_object, dict) and "datasetObjectId" in item:
            if "s3Uri" in data_object:
                lines[str(item["datasetObjectId"])] = {"source-ref": data_object["s3Uri"]}
            elif "content" in data_object:
                lines[str(item["datasetObjectId"])] = {"source": data_object["content"]}
    return lines


def parse_manifest(text: str, location: str) -> list[dict[str, Any]]:
    """Input manifest lines (docs/engine.md#the-input-manifest): blank lines skipped, anything else
    must be an object."""
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError as error:
            raise SourceError(f"{location} line {number}", f"not valid JSON: {error}") from None
        if not isinstance(line, dict):
            raise SourceError(f"{location} line {number}", "not a JSON object")
        lines.append(line)
    return lines


def quality_report(result: OfflineResult) -> Iterator[str]:
    """Per-worker quality and the distribution of reported confidences, as text lines.

    The confidences are those of the lines generated so far (call after writing them).
    """
    consolidator = result.consolidator
    model = consolidator.model
    arrays = consolidator.arrays
    answers = np.bincount(arrays.answer_worker, minlength=len(arrays.worker_ids))
    if isinstance(model, DawidSkene):
        yield f"{'worker':<40} {'answers':>8} {'accuracy':>9}"
        for worker, worker_id in enumerate(arrays.worker_ids):
            yield f"{worker_id:<40} {answers[worker]:>8} {model.accuracy_[worker]:>9.3f}"
    else:
        yield f"{'worker':<40} {'answers':>8} {'sensitivity':>12} {'specificity':>12}"
        for worker, worker_id in enumerate(arrays.worker_ids):
            yield (
                f"{worker_id:<40} {answers[worker]:>8} "
                f"{model.pooled_sensitivity_[worker]:>12.3f} "
                f"{model.pooled_specificity_[worker]:>12.3f}"
            )
    yield ""
    yield from confidence_histogram(result.confidences)


def confidence_histogram(values: list[float], width: int = 40) -> Iterator[str]:
    """A text histogram of confidences in ten bins of 0.1 (0.95 falls in the last one)."""
    yield f"confidence distribution ({len(values)} values)"
    counts = np.bincount(
        np.minimum((np.asarray(values, dtype=float) * 10).astype(int), 9), minlength=10
    )
    most = max(int(counts.max()), 1)
    for bin_index, count in enumerate(counts):
        low = bin_index / 10
        bar = "#" * round(width * count / most)
        yield f"  [{low:.1f}, {low + 0.1:.1f}{']' if bin_index == 9 else ')'} {count:>8} {bar}"
