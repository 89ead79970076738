"""Reading worker answers and turning payload items into index arrays
(docs/consolidation.md#reading-answers)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from typing import Any

import numpy as np

RESPONSE_SHAPE = (
    "expected {\"answers\": [...]} where every answer has a string `workerId` "
    "and an object `answerContent`"
)


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
    """Labels of a multi-label answer: the first top-level object holding `labels`
    (docs/consolidation.md#reading-answers).

    Works whatever `name` the template gave its element. No such entry → nothing selected.
    """
    for value in content.values():
        if isinstance(value, dict) and "labels" in value:
            labels = value["labels"]
            if isinstance(labels, str):
                return [labels]
            if isinstance(labels, list):
                return [label for label in labels if type(label) is str]
            return []
    return []


def selected_label(content: Mapping[str, Any]) -> str | None:
    """Label of a single-label answer: the first top-level object holding `label`."""
    for value in content.values():
        if isinstance(value, Mapping) and "label" in value:
            label = value["label"]
            return label if isinstance(label, str) else None
    return None


def object_sort_key(dataset_object_id: str) -> tuple[int, int, str]:
    """Numeric `datasetObjectId`s in numeric order, any others after them by text."""
    text = str(dataset_object_id)
    if text.isdecimal():  # what `int` accepts without sign or spaces, as regex \d+ does
        return (0, int(text), "")
    return (1, 0, text)


@dataclass(slots=True)
class ObjectAnswers:
    """One object's answers, in submission order, as label indices."""

    dataset_object_id: str
    worker_ids: list[str] = field(default_factory=list)
    # Multi-label: a list of label-index lists; single-label: a list of `int | None`.
    selections: list[Any] = field(default_factory=list)


def index_items(
    items: Iterable[Mapping[str, Any]], label_categories: Sequence[str], *, multi_label: bool
) -> dict[str, ObjectAnswers]:
    """Payload items (docs/engine.md#consolidation-request-files) → answers per object, label
    strings mapped to category indices.

    Unknown label strings (the exclusion category among them) are dropped
    (docs/consolidation.md#reading-answers). Items are merged by `datasetObjectId`; the first
    occurrence keeps its place.
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
        self._indices_of_labels: dict[tuple[str, ...], list[int]] = {}

    def add(self, item: Mapping[str, Any]) -> None:
        """Add one payload item; AnswerFormatError (nothing added) if it is malformed."""
        self.add_answers(*payload_answers(item))

    def add_answers(self, dataset_object_id: str, answers: Sequence[tuple[str, dict]]) -> None:
        """Add one object's (workerId, answer object) pairs, in submission order.

        An object already present keeps its answers (a batch inside the evidence is the same).
        """
        if dataset_object_id in self.objects:
            return
        entry = ObjectAnswers(dataset_object_id)
        canonical = self._worker_ids.setdefault  # one string per worker, however many answers
        entry.worker_ids = [canonical(worker_id, worker_id) for worker_id, _ in answers]
        if self.multi_label:
            entry.selections = [self._label_indices(content) for _, content in answers]
        else:
            index_of = self.index_of
            entry.selections = [_single_label_index(content, index_of) for _, content in answers]
        self.objects[dataset_object_id] = entry

    def add_response(self, dataset_object_id: str, document: Any) -> None:
        """Add one object's worker-response file (docs/engine.md#worker-response-files), already
        parsed from JSON.

        Checks and maps its answers in one pass; AnswerFormatError (nothing added) when it does
        not have the documented shape.
        """
        if dataset_object_id in self.objects:
            return
        canonical = self._worker_ids.setdefault
        if self.multi_label:
            pick = self._label_indices
        else:
            index_of = self.index_of
            pick = partial(_single_label_index, index_of=index_of)
        worker_ids, selections = [], []
        try:
            for answer in document["answers"]:
                worker_id, content = answer["workerId"], answer["answerContent"]
                if type(worker_id) is not str or type(content) is not dict:
                    raise TypeError
                worker_ids.append(canonical(worker_id, worker_id))
                selections.append(pick(content))
        except (TypeError, KeyError):
            raise AnswerFormatError(RESPONSE_SHAPE) from None
        self.objects[dataset_object_id] = ObjectAnswers(dataset_object_id, worker_ids, selections)

    def _label_indices(self, content: Mapping[str, Any]) -> list[int]:
        # The same few label lists recur across thousands of answers: map each list once. The
        # index lists are shared between answers; nothing modifies them.
        for value in content.values():
            if isinstance(value, dict) and "labels" in value:  # as `selected_labels` looks
                if type(labels := value["labels"]) is list:
                    try:
                        return self._indices_of_labels[tuple(labels)]
                    except (KeyError, TypeError):  # new, or holding an unhashable non-label
                        pass
                break
        labels = tuple(selected_labels(content))
        indices = self._indices_of_labels.get(labels)
        if indices is None:
            indices = _multi_label_indices(labels, self.index_of)
            self._indices_of_labels[labels] = indices
        return indices


def payload_answers(item: Mapping[str, Any]) -> tuple[str, list[tuple[str, dict]]]:
    """`datasetObjectId` and (workerId, answer object) pairs of a payload item."""
    dataset_object_id = item.get("datasetObjectId") if isinstance(item, Mapping) else None
    if dataset_object_id is None:
        raise AnswerFormatError("payload item has no datasetObjectId")
    dataset_object_id = str(dataset_object_id)
    annotations = item.get("annotations")
    if not isinstance(annotations, list):
        raise AnswerFormatError(f"object {dataset_object_id}: annotations is not a list")
    answers = []
    for annotation in annotations:
        worker_id = annotation.get("workerId") if isinstance(annotation, Mapping) else None
        if not isinstance(worker_id, str):
            raise AnswerFormatError(f"object {dataset_object_id}: annotation has no workerId")
        try:
            answers.append((worker_id, answer_content(annotation)))
        except AnswerFormatError as error:
            raise AnswerFormatError(f"object {dataset_object_id}: {error}") from None
    return dataset_object_id, answers


def _multi_label_indices(labels: Sequence[str], index_of: Mapping[str, int]) -> list[int]:
    """Distinct known label indices of a multi-label answer's labels, in the worker's order."""
    return list(dict.fromkeys(index_of[label] for label in labels if label in index_of))


def _single_label_index(content: Mapping[str, Any], index_of: Mapping[str, int]) -> int | None:
    return index_of.get(selected_label(content) or "")


@dataclass(frozen=True)
class AnswerArrays:
    """Answers as flat index arrays, objects and workers in canonical order.

    `object_ids[i]` / `worker_ids[w]` name the rows; answer *a* is by worker `answer_worker[a]`
    on object `answer_object[a]`. Multi-label selections are CSR-like pairs
    (`selection_answer`, `selection_label`); for single-label answers `selection_label[a]` is
    the class of answer *a*.
    """

    object_ids: list[str]
    worker_ids: list[str]
    answer_object: np.ndarray
    answer_worker: np.ndarray
    selection_answer: np.ndarray
    selection_label: np.ndarray


def to_arrays(objects: Mapping[str, ObjectAnswers], *, multi_label: bool) -> AnswerArrays:
    """Flatten answers; objects sorted by numeric id and workers by `workerId`
    (docs/consolidation.md#reading-answers).

    Single-label answers without a known label are left out; the selections then hold one entry
    per remaining answer (`selection_answer` is the identity).
    """
    object_ids = list(objects)
    # All-numeric ids (the usual case) sort as integers, as `object_sort_key` orders them.
    all_numeric = all(type(key) is str and key.isdecimal() for key in object_ids)
    object_ids.sort(key=int if all_numeric else object_sort_key)
    entries = [objects[object_id] for object_id in object_ids]
    worker_lists = [entry.worker_ids for entry in entries]
    worker_ids = sorted(set().union(*worker_lists))
    worker_of = {worker: position for position, worker in enumerate(worker_ids)}
    counts = np.fromiter(map(len, worker_lists), np.int64, len(entries))
    answer_object = np.repeat(np.arange(len(entries), dtype=np.int64), counts)
    answer_worker = np.fromiter(
        map(worker_of.__getitem__, chain.from_iterable(worker_lists)), np.int64, int(counts.sum())
    )
    selections = list(chain.from_iterable(entry.selections for entry in entries))
    if multi_label:
        sizes = np.fromiter(map(len, selections), np.int64, len(selections))
        selection_answer = np.repeat(np.arange(len(selections), dtype=np.int64), sizes)
        selection_label = np.fromiter(chain.from_iterable(selections), np.int64, int(sizes.sum()))
    else:
        known = np.fromiter((choice is not None for choice in selections), bool, len(selections))
        answer_object, answer_worker = answer_object[known], answer_worker[known]
        selection_label = np.array([c for c in selections if c is not None], dtype=np.int64)
        selection_answer = np.arange(selection_label.size, dtype=np.int64)
    return AnswerArrays(
        object_ids, worker_ids, answer_object, answer_worker, selection_answer, selection_label
    )
