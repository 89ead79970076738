"""Reading worker answers and turning payload items into index arrays (spec §2.6, §2.7)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class AnswerFormatError(ValueError):
    """A payload item or a worker answer does not have the documented shape."""


def answer_content(annotation: Mapping[str, Any]) -> dict[str, Any]:
    """The worker's answer object of one payload annotation (`annotationData.content`)."""
    data = annotation.get("annotationData")
    if not isinstance(data, Mapping) or "content" not in data:
        raise AnswerFormatError("annotation has no annotationData.content")
    content = data["content"]
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except json.JSONDecodeError as error:
            raise AnswerFormatError(f"annotationData.content is not JSON: {error}") from None
    if not isinstance(content, dict):
        raise AnswerFormatError("annotationData.content is not a JSON object")
    return content


def selected_labels(content: Mapping[str, Any]) -> list[str]:
    """Labels of a multi-label answer: the first top-level object holding `labels` (spec §2.7).

    Works whatever `name` the template gave its element. No such entry → nothing selected.
    """
    for value in content.values():
        if isinstance(value, Mapping) and "labels" in value:
            labels = value["labels"]
            if isinstance(labels, str):
                return [labels]
            if isinstance(labels, list):
                return [label for label in labels if isinstance(label, str)]
            return []
    return []


def selected_label(content: Mapping[str, Any]) -> str | None:
    """Label of a single-label answer: the first top-level object holding `label` (spec §2.7)."""
    for value in content.values():
        if isinstance(value, Mapping) and "label" in value:
            label = value["label"]
            return label if isinstance(label, str) else None
    return None


_DIGITS = re.compile(r"\d+")


def object_sort_key(dataset_object_id: str) -> tuple[int, int, str]:
    """Numeric `datasetObjectId`s in numeric order, any others after them by text (spec §6.3)."""
    text = str(dataset_object_id)
    if _DIGITS.fullmatch(text):
        return (0, int(text), "")
    return (1, 0, text)


@dataclass
class ObjectAnswers:
    """One object's answers, in submission order, as label indices."""

    dataset_object_id: str
    worker_ids: list[str] = field(default_factory=list)
    # Multi-label: a list of label-index lists; single-label: a list of `int | None`.
    selections: list[Any] = field(default_factory=list)


def index_items(
    items: Iterable[Mapping[str, Any]], label_categories: Sequence[str], *, multi_label: bool
) -> dict[str, ObjectAnswers]:
    """Payload items (spec §2.6) → answers per object, label strings mapped to category indices.

    Unknown label strings (the exclusion category among them) are dropped (spec §2.7). Items are
    merged by `datasetObjectId`; the first occurrence keeps its place.
    """
    index = AnswerIndex(label_categories, multi_label=multi_label)
    for item in items:
        index.add(item)
    return index.objects


class AnswerIndex:
    """Collects payload items into `ObjectAnswers`, one item at a time."""

    def __init__(self, label_categories: Sequence[str], *, multi_label: bool) -> None:
        self.index_of = {label: position for position, label in enumerate(label_categories)}
        self.multi_label = multi_label
        self.objects: dict[str, ObjectAnswers] = {}
        self._worker_ids: dict[str, str] = {}  # one string object per worker, however many answers

    def add(self, item: Mapping[str, Any]) -> None:
        """Add one payload item; AnswerFormatError (nothing added) if it is malformed."""
        dataset_object_id = item.get("datasetObjectId") if isinstance(item, Mapping) else None
        if dataset_object_id is None:
            raise AnswerFormatError("payload item has no datasetObjectId")
        dataset_object_id = str(dataset_object_id)
        annotations = item.get("annotations")
        if not isinstance(annotations, list):
            raise AnswerFormatError(f"object {dataset_object_id}: annotations is not a list")
        if dataset_object_id in self.objects:
            return  # the same object twice (a batch inside the evidence): same answers
        entry = ObjectAnswers(dataset_object_id)
        for annotation in annotations:
            worker_id = annotation.get("workerId") if isinstance(annotation, Mapping) else None
            if not isinstance(worker_id, str):
                raise AnswerFormatError(f"object {dataset_object_id}: annotation has no workerId")
            try:
                content = answer_content(annotation)
            except AnswerFormatError as error:
                raise AnswerFormatError(f"object {dataset_object_id}: {error}") from None
            entry.worker_ids.append(self._worker_ids.setdefault(worker_id, worker_id))
            entry.selections.append(_indices(content, self.index_of, self.multi_label))
        self.objects[dataset_object_id] = entry


def _indices(content: Mapping[str, Any], index_of: Mapping[str, int], multi_label: bool) -> Any:
    if not multi_label:
        return index_of.get(selected_label(content) or "")
    chosen: list[int] = []
    for label in selected_labels(content):
        position = index_of.get(label)
        if position is not None and position not in chosen:
            chosen.append(position)
    return chosen


@dataclass(frozen=True)
class AnswerArrays:
    """Answers as flat index arrays, objects and workers in canonical order.

    `object_ids[i]` / `worker_ids[w]` name the rows; answer *a* is by worker `answer_worker[a]`
    on object `answer_object[a]`. Multi-label selections are CSR-like pairs
    (`selection_answer`, `selection_label`); single-label answers have `answer_label`.
    """

    object_ids: list[str]
    worker_ids: list[str]
    answer_object: np.ndarray
    answer_worker: np.ndarray
    selection_answer: np.ndarray
    selection_label: np.ndarray


def to_arrays(objects: Mapping[str, ObjectAnswers], *, multi_label: bool) -> AnswerArrays:
    """Flatten answers; objects sorted by numeric id and workers by `workerId` (spec §6.3).

    Single-label answers without a known label are left out; the selections then hold one entry
    per remaining answer (`selection_answer` is the identity).
    """
    object_ids = sorted(objects, key=object_sort_key)
    worker_ids = sorted({worker for entry in objects.values() for worker in entry.worker_ids})
    worker_of = {worker: position for position, worker in enumerate(worker_ids)}
    answer_object: list[int] = []
    answer_worker: list[int] = []
    selection_answer: list[int] = []
    selection_label: list[int] = []
    for object_index, dataset_object_id in enumerate(object_ids):
        entry = objects[dataset_object_id]
        for worker_id, chosen in zip(entry.worker_ids, entry.selections, strict=True):
            if not multi_label and chosen is None:
                continue
            answer = len(answer_object)
            answer_object.append(object_index)
            answer_worker.append(worker_of[worker_id])
            for label in chosen if multi_label else (chosen,):
                selection_answer.append(answer)
                selection_label.append(label)
    return AnswerArrays(
        object_ids,
        worker_ids,
        np.asarray(answer_object, dtype=np.int64),
        np.asarray(answer_worker, dtype=np.int64),
        np.asarray(selection_answer, dtype=np.int64),
        np.asarray(selection_label, dtype=np.int64),
    )
