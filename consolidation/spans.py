"""Named-entity consolidation: workers' labelled text spans, voted with estimated worker quality.

`SpanVote` is the estimator (flat arrays of spans in, fitted attributes out); `consolidate_entities`
is the built-in ACS entry point of the named-entity-recognition task type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from consolidation._payload import batch_ids, collect_answers, common_metadata, element_answer
from consolidation.output import reported_confidence

TEXT_SPAN = "groundtruth/text-span"


class SpanVote:
    """Which (start, end, label) spans of each text several workers agree on, weighted by quality.

    Span *s* is marked by worker `span_worker[s]` on object `span_object[s]`: characters
    `span_start[s]` to `span_end[s]` (end exclusive) with label `span_label[s]`. Answer *a* says
    worker `answer_worker[a]` answered object `answer_object[a]` (marking nothing is an answer).

    A candidate is a distinct (object, start, end, label). Its support is the quality of the
    workers who marked exactly it over the quality of every worker who answered the object;
    candidates whose support reaches `min_support` are kept, and where kept candidates overlap
    only the better supported one stays (ties: the earlier start, then the longer span). A worker's
    quality is a Jaccard index over spans — kept spans they marked over the union of their spans
    and the kept spans of their objects — with `quality_prior` pseudo-counts; support and quality
    alternate `n_iter` times.

    Fitted attributes: `candidate_object_`, `candidate_start_`, `candidate_end_`,
    `candidate_label_`, `candidate_support_`, `kept_` (boolean per candidate), `span_candidate_`
    (candidate of each span), `worker_quality_`, `n_iter_`. `predict()` gives the kept candidates
    ordered by object, then start.
    """

    def __init__(
        self,
        *,
        min_support: float = 0.5,
        n_iter: int = 5,
        quality_prior: tuple[float, float] = (0.7, 4.0),
    ) -> None:
        self.min_support = min_support
        self.n_iter = n_iter
        self.quality_prior = quality_prior

    def fit(
        self,
        span_object: np.ndarray,
        span_worker: np.ndarray,
        span_start: np.ndarray,
        span_end: np.ndarray,
        span_label: np.ndarray,
        answer_object: np.ndarray,
        answer_worker: np.ndarray,
        *,
        n_objects: int | None = None,
        n_workers: int | None = None,
        fixed_quality: np.ndarray | None = None,
    ) -> SpanVote:
        objects, workers, starts, ends, labels = (
            np.asarray(values, dtype=np.int64)
            for values in (span_object, span_worker, span_start, span_end, span_label)
        )
        answer_object = np.asarray(answer_object, dtype=np.int64)
        answer_worker = np.asarray(answer_worker, dtype=np.int64)
        n_objects = _count(n_objects, objects, answer_object)
        n_workers = _count(n_workers, workers, answer_worker)
        keys = np.stack([objects, starts, ends, labels], axis=1)
        unique, self.span_candidate_ = (
            np.unique(keys, axis=0, return_inverse=True) if keys.size
            else (np.zeros((0, 4), dtype=np.int64), np.zeros(0, dtype=np.int64))
        )
        self.span_candidate_ = self.span_candidate_.ravel()
        (self.candidate_object_, self.candidate_start_, self.candidate_end_,
         self.candidate_label_) = unique.T
        n_candidates = unique.shape[0]
        # one vote per (candidate, worker), however often a worker marked the same span
        pair = self.span_candidate_ * max(n_workers, 1) + workers
        _, first = np.unique(pair, return_index=True)
        vote_candidate, vote_worker = self.span_candidate_[first], workers[first]
        mean, strength = self.quality_prior
        quality = (np.full(n_workers, mean) if fixed_quality is None
                   else np.asarray(fixed_quality, dtype=np.float64))
        rounds = 1 if fixed_quality is not None else max(self.n_iter, 1)
        for _ in range(rounds):
            object_quality = np.bincount(answer_object, weights=quality[answer_worker],
                                         minlength=n_objects)
            votes = np.bincount(vote_candidate, weights=quality[vote_worker],
                                minlength=n_candidates)
            self.candidate_support_ = votes / np.maximum(
                object_quality[self.candidate_object_], 1e-12)
            self.kept_ = self._resolve_overlaps(self.candidate_support_ >= self.min_support - 1e-9)
            if fixed_quality is None:
                found = np.bincount(vote_worker, weights=self.kept_[vote_candidate],
                                    minlength=n_workers)
                marked = np.bincount(vote_worker, minlength=n_workers)
                kept_per_object = np.bincount(self.candidate_object_[self.kept_],
                                              minlength=n_objects)
                to_find = np.bincount(answer_worker, weights=kept_per_object[answer_object],
                                      minlength=n_workers)
                quality = (found + mean * strength) / (marked + to_find - found + strength)
        self.worker_quality_ = quality
        self.n_iter_ = rounds
        return self

    def predict(self) -> np.ndarray:
        kept = np.flatnonzero(self.kept_)
        return kept[np.lexsort((self.candidate_start_[kept], self.candidate_object_[kept]))]

    def _resolve_overlaps(self, passing: np.ndarray) -> np.ndarray:
        """Of overlapping passing candidates of one object, keep the better supported.

        Sorted by start, a set of spans overlaps somewhere only if two neighbours overlap, so
        objects without such a pair (nearly all) keep every passing candidate without a loop.
        """
        kept = passing.copy()
        candidates = np.flatnonzero(passing)
        objects, starts, ends = (self.candidate_object_[candidates],
                                 self.candidate_start_[candidates],
                                 self.candidate_end_[candidates])
        order = np.lexsort((starts, objects))
        candidates, objects, starts, ends = (candidates[order], objects[order], starts[order],
                                             ends[order])
        clash = (objects[1:] == objects[:-1]) & (starts[1:] < ends[:-1])
        for obj in np.unique(objects[1:][clash]).tolist():
            mine = candidates[objects == obj]
            kept[mine] = False
            ranked = mine[np.lexsort((
                -(self.candidate_end_[mine] - self.candidate_start_[mine]),
                self.candidate_start_[mine],
                -self.candidate_support_[mine],
            ))]
            taken: list[tuple[int, int]] = []
            for candidate in ranked.tolist():
                start = int(self.candidate_start_[candidate])
                end = int(self.candidate_end_[candidate])
                if all(end <= other_start or start >= other_end
                       for other_start, other_end in taken):
                    taken.append((start, end))
                    kept[candidate] = True
        return kept


def _count(given: int | None, *indices: np.ndarray) -> int:
    needed = max((int(array.max()) + 1 for array in indices if array.size), default=0)
    if given is None:
        return needed
    if given < needed:
        raise ValueError("an index exceeds the given number of objects or workers")
    return given


def _entities(content: Mapping[str, Any], index_of: Mapping[str, int]):
    """(start, end, label index) of an answer's well-formed entities with a known label."""
    element = element_answer(content, "entities")
    found = []
    for entity in (element or {}).get("entities") or []:
        if not isinstance(entity, Mapping) or entity.get("label") not in index_of:
            continue
        start, end = entity.get("startOffset"), entity.get("endOffset")
        if type(start) is int and type(end) is int and 0 <= start < end:
            found.append((start, end, index_of[entity["label"]]))
    return found


def consolidate_entities(
    batch: Sequence[Mapping[str, Any]],
    *,
    label_categories: Sequence[str],
    label_attribute_name: str,
    job_name: str,
    workers_per_object: int | None,
    now: datetime,
    evidence: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """ACS response of a named-entity-recognition job for the objects of `batch`.

    Output as AWS's example prints it: `{"annotations": {"labels": [{"label": …}, …],
    "entities": [{"label", "startOffset", "endOffset"}]}}`, metadata `job-name`, `type`
    (`groundtruth/text-span`), `creation-date`, `human-annotated`, `entities` (a confidence per
    entity, in the same order).
    """
    answers = collect_answers([*(evidence or []), *batch])
    index_of = {label: k for k, label in enumerate(label_categories)}
    rows = [
        (answers.objects[answer], answers.workers[answer], *entity)
        for answer, content in enumerate(answers.contents)
        for entity in _entities(content, index_of)
    ]
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    n_workers = len(answers.worker_ids)
    model = SpanVote().fit(
        table[:, 0], table[:, 1], table[:, 2], table[:, 3], table[:, 4],
        answers.objects, answers.workers, n_objects=len(answers.object_ids), n_workers=n_workers,
        fixed_quality=np.ones(n_workers) if workers_per_object == 1 else None,
    )
    n_answers = np.bincount(np.asarray(answers.objects, dtype=np.int64),
                            minlength=len(answers.object_ids))
    kept = model.predict()
    kept_object = model.candidate_object_[kept]
    bounds = np.searchsorted(kept_object, np.arange(len(answers.object_ids) + 1))
    row_of = {object_id: row for row, object_id in enumerate(answers.object_ids)}
    labels = [{"label": label} for label in label_categories]
    response = []
    for object_id in batch_ids(batch):
        obj = row_of[object_id]
        if n_answers[obj] == 0:
            continue
        chosen = kept[bounds[obj]:bounds[obj + 1]]
        entities = [
            {"label": label_categories[model.candidate_label_[c]],
             "startOffset": int(model.candidate_start_[c]),
             "endOffset": int(model.candidate_end_[c])}
            for c in chosen
        ]
        confidences = [
            {"confidence": reported_confidence(float(model.candidate_support_[c]),
                                               int(n_answers[obj]))}
            for c in chosen
        ]
        common = common_metadata(job_name, TEXT_SPAN, now)
        metadata = {
            "job-name": common["job-name"],
            "type": common["type"],
            "creation-date": common["creation-date"],
            "human-annotated": common["human-annotated"],
            "entities": confidences,
        }
        label = {"annotations": {"labels": labels, "entities": entities}}
        content = {label_attribute_name: label, f"{label_attribute_name}-metadata": metadata}
        response.append({"datasetObjectId": object_id,
                         "consolidatedAnnotation": {"content": content}})
    return response
