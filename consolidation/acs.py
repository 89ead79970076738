"""Ground Truth's built-in annotation consolidation for the classification task types.

`builtin_consolidation` is what the job engine calls for `ACS-ImageMultiClassMultiLabel`,
`ACS-ImageMultiClass` and their `Text…` variants; the Lambda handler and `gtemu consolidate` use
the same `Consolidator`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from consolidation.answers import AnswerIndex, ObjectAnswers, index_items, to_arrays
from consolidation.multiclass import DawidSkene
from consolidation.multilabel import MultiLabelDawidSkene
from consolidation.output import (
    MULTI_LABEL_TYPES,
    SINGLE_LABEL_TYPES,
    multi_label_content,
    single_label_content,
)

SUPPORTED_TASK_TYPES = (*MULTI_LABEL_TYPES, *SINGLE_LABEL_TYPES)


def is_multi_label(task_type: str) -> bool:
    """True for the multi-label task types; ValueError for a type this module does not handle."""
    if task_type in MULTI_LABEL_TYPES:
        return True
    if task_type in SINGLE_LABEL_TYPES:
        return False
    raise ValueError(
        f"Task type {task_type} is not a classification type; expected one of "
        + ", ".join(SUPPORTED_TASK_TYPES)
    )


@dataclass
class Consolidator:
    """Fits worker quality on a set of objects' answers and builds each object's `content`."""

    task_type: str
    label_categories: Sequence[str]
    label_attribute_name: str
    job_name: str
    workers_per_object: int | None = None
    label_threshold: float | None = None

    def __post_init__(self) -> None:
        self.multi_label = is_multi_label(self.task_type)
        types = MULTI_LABEL_TYPES if self.multi_label else SINGLE_LABEL_TYPES
        self.output_type = types[self.task_type]
        self.objects: dict[str, ObjectAnswers] = {}
        self.model: MultiLabelDawidSkene | DawidSkene | None = None

    def fit_items(self, items: Iterable[Mapping[str, Any]]) -> Consolidator:
        """Fit on payload items (docs/engine.md#consolidation-request-files)."""
        objects = index_items(items, self.label_categories, multi_label=self.multi_label)
        return self.fit_objects(objects)

    def fit_objects(self, objects: dict[str, ObjectAnswers]) -> Consolidator:
        """Fit on answers already mapped to label indices."""
        self.objects = objects
        arrays = to_arrays(objects, multi_label=self.multi_label)
        self.arrays = arrays
        self._row_of = {object_id: row for row, object_id in enumerate(arrays.object_ids)}
        n_labels = len(self.label_categories)
        shape = dict(n_objects=len(arrays.object_ids), n_workers=len(arrays.worker_ids))
        # One worker per object: EM has nothing to compare; confidences are 0.0
        # (docs/consolidation.md#confidence).
        skip_em = self.workers_per_object == 1
        if self.multi_label:
            model = MultiLabelDawidSkene(n_iter=0 if skip_em else 100)
            model.fit(
                arrays.answer_object, arrays.answer_worker, arrays.selection_answer,
                arrays.selection_label, n_labels=n_labels, **shape,
            )
            self.posteriors = model.posteriors_
        else:
            model = DawidSkene(n_iter=0 if skip_em else 100)
            model.fit(
                arrays.answer_object, arrays.answer_worker, arrays.selection_label,
                n_classes=n_labels, **shape,
            )
            self.posteriors = model.posteriors_
            self.predicted = model.predict() if n_labels else np.zeros(0, dtype=np.int64)
        self.model = model
        return self

    def content(self, dataset_object_id: str, now: datetime) -> dict[str, Any] | None:
        """`consolidatedAnnotation.content` of one fitted object.

        None for an object without answers, and for a single-label object none of whose answers
        names a known category (it has no class to report).
        """
        entry = self.objects[dataset_object_id]
        row = self._row_of[dataset_object_id]
        n_answers = len(entry.worker_ids)
        if n_answers == 0:
            return None  # nothing to consolidate (Ground Truth never sends such an object)
        common = dict(
            label_attribute_name=self.label_attribute_name,
            job_name=self.job_name,
            output_type=self.output_type,
            label_categories=self.label_categories,
            n_answers=n_answers,
            now=now,
        )
        if self.multi_label:
            return multi_label_content(
                first_selected=_first_selected(entry.selections),
                posteriors=self.posteriors[row].tolist(),
                label_threshold=self.label_threshold,
                **common,
            )
        if all(choice is None for choice in entry.selections):
            return None
        label = int(self.predicted[row])
        return single_label_content(
            label=label, posterior=float(self.posteriors[row, label]), **common
        )

    def response(self, dataset_object_ids: Iterable[str], now: datetime) -> list[dict[str, Any]]:
        """ACS response elements (docs/engine.md#the-post-annotation-event) for these objects."""
        elements = []
        for dataset_object_id in dataset_object_ids:
            content = self.content(dataset_object_id, now)
            if content is not None:
                elements.append(
                    {
                        "datasetObjectId": dataset_object_id,
                        "consolidatedAnnotation": {"content": content},
                    }
                )
        return elements


def builtin_consolidation(
    task_type: str,
    batch: Sequence[Mapping[str, Any]],
    *,
    evidence: Sequence[Mapping[str, Any]] | AnswerIndex | None = None,
    label_categories: Sequence[str],
    label_attribute_name: str,
    job_name: str,
    workers_per_object: int | None,
    now: datetime,
    label_threshold: float | None = None,
) -> list[dict[str, Any]]:
    """The built-in ACS response (docs/consolidation.md#output-rules) for the payload items of
    `batch`.

    Worker quality is fitted on `evidence` (every payload item of the job so far,
    docs/consolidation.md#worker-quality-evidence) plus
    `batch`; results are returned for the objects of `batch` only, in batch order. A single-label
    object with no answer naming a known category is left out of the response.

    `evidence` may also be an `AnswerIndex` that the caller keeps from batch to batch (the job
    engine does, so that each answer is read once in a job): the batch is added to it.
    """
    consolidator = Consolidator(
        task_type,
        label_categories,
        label_attribute_name,
        job_name,
        workers_per_object=workers_per_object,
        label_threshold=label_threshold,
    )
    if isinstance(evidence, AnswerIndex):
        for item in batch:
            evidence.add(item)
        consolidator.fit_objects(evidence.objects)
    else:
        consolidator.fit_items(list(batch) if evidence is None else [*evidence, *batch])
    batch_ids = list(dict.fromkeys(str(item["datasetObjectId"]) for item in batch))
    return consolidator.response(batch_ids, now)


def _first_selected(selections: Iterable[Sequence[int]]) -> list[int]:
    """Label indices in the order they were first selected across answers."""
    return list(dict.fromkeys(label for chosen in selections for label in chosen))
