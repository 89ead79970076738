"""Bounding-box consolidation: match workers' boxes by overlap, keep supported clusters, fuse them.

`BoxConsolidation` is the estimator (flat numpy arrays in, fitted attributes out);
`consolidate_boxes` and `consolidate_box_adjustment` are the built-in ACS entry points of the
box drawing task types (payload items in, ACS response out); the verification types' verdicts
are consolidated by `consolidation.verification`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from consolidation._grouping import cell_sums
from consolidation._payload import (
    AnswerFormatError,
    Answers,
    batch_ids,
    collect_answers,
    common_metadata,
    element_answer,
)
from consolidation.output import reported_confidence

OBJECT_DETECTION = "groundtruth/object-detection"
IMAGE_DEPTH = 3  # Ground Truth prints depth 3 for every image


class BoxConsolidation:
    """Consolidated boxes of every image from several workers' boxes, weighted by worker quality.

    Box *b* is drawn by worker `box_worker[b]` on image `box_object[b]` with label `box_label[b]`
    and corners `box_corners[b] = (x1, y1, x2, y2)`. Answer *a* says worker `answer_worker[a]`
    answered image `answer_object[a]` (drawing nothing is an answer too).

    1. Matching (once): on each image, two boxes of different workers are linked when each is
       the other's best match among the other worker's boxes (IoU, a same label ranks first) and
       their IoU reaches `iou_threshold`. Linked boxes form clusters (connected components), so
       a cluster holds at most about one box per worker; unmatched boxes are clusters of one.
    2. Fusion (repeated with worker quality): a cluster's label is its quality-weighted label
       vote; its box the quality-weighted mean of its members' corners; its support the quality
       of the workers in it over the quality of every worker who answered the image. Clusters
       whose support reaches `min_support` are kept.
    3. Quality: a worker's quality is the IoU their boxes reach with the kept boxes they found,
       over the union of their boxes and the kept boxes of their images (a Jaccard index over
       boxes: missed and spurious boxes both lower it), with `quality_prior` pseudo-counts.
       Steps 2–3 repeat `n_iter` times.

    Fitted attributes: `cluster_object_`, `cluster_label_`, `cluster_corners_` (clusters x 4),
    `cluster_support_`, `cluster_confidence_` (quality-weighted IoU of the agreeing members with
    the fused box over the image's total quality), `kept_` (boolean per cluster), `box_cluster_`
    (cluster of each box), `worker_quality_`, `n_iter_`.
    """

    def __init__(
        self,
        *,
        iou_threshold: float = 0.5,
        min_support: float = 0.5,
        n_iter: int = 5,
        quality_prior: tuple[float, float] = (0.7, 4.0),
    ) -> None:
        self.iou_threshold = iou_threshold
        self.min_support = min_support
        self.n_iter = n_iter
        self.quality_prior = quality_prior

    def fit(
        self,
        box_object: np.ndarray,
        box_worker: np.ndarray,
        box_label: np.ndarray,
        box_corners: np.ndarray,
        answer_object: np.ndarray,
        answer_worker: np.ndarray,
        *,
        n_labels: int,
        n_objects: int | None = None,
        n_workers: int | None = None,
        fixed_quality: np.ndarray | None = None,
    ) -> BoxConsolidation:
        """Fit; `fixed_quality` (one value per worker) skips the quality estimate."""
        objects = np.asarray(box_object, dtype=np.int64)
        workers = np.asarray(box_worker, dtype=np.int64)
        labels = np.asarray(box_label, dtype=np.int64)
        corners = np.asarray(box_corners, dtype=np.float64).reshape(-1, 4)
        answer_object = np.asarray(answer_object, dtype=np.int64)
        answer_worker = np.asarray(answer_worker, dtype=np.int64)
        n_objects = _count(n_objects, objects, answer_object)
        n_workers = _count(n_workers, workers, answer_worker)
        self.box_cluster_ = _match(objects, workers, labels, corners, self.iou_threshold)
        n_clusters = int(self.box_cluster_.max()) + 1 if objects.size else 0
        self.cluster_object_ = np.zeros(n_clusters, dtype=np.int64)
        self.cluster_object_[self.box_cluster_] = objects
        # Each (cluster, worker) counts once: a worker's boxes in one cluster share its weight.
        pair_code = self.box_cluster_ * max(n_workers, 1) + workers
        _, pair_of_box, pair_sizes = np.unique(pair_code, return_inverse=True, return_counts=True)
        share = 1.0 / pair_sizes[pair_of_box]
        data = (objects, workers, labels, corners, answer_object, answer_worker, share)

        mean, strength = self.quality_prior
        quality = (
            np.full(n_workers, mean) if fixed_quality is None
            else np.asarray(fixed_quality, dtype=np.float64)
        )
        rounds = 1 if fixed_quality is not None else max(self.n_iter, 1)
        for _ in range(rounds):
            self._fuse(data, quality, n_clusters, n_objects, n_labels)
            if fixed_quality is None:
                quality = self._quality(data, n_workers, n_objects)
        self.worker_quality_ = quality
        self.n_iter_ = rounds
        return self

    def predict(self) -> np.ndarray:
        """Indices of the kept clusters, by image then order of first drawing."""
        return np.flatnonzero(self.kept_)

    def _fuse(self, data, quality, n_clusters, n_objects, n_labels) -> None:
        objects, workers, labels, corners, answer_object, answer_worker, share = data
        weight = quality[workers] * share
        clusters = self.box_cluster_
        votes = cell_sums(clusters, labels, weight, (n_clusters, max(n_labels, 1)))
        self.cluster_label_ = np.argmax(votes, axis=1)  # ties: the lower label index
        totals = np.bincount(clusters, weights=weight, minlength=n_clusters)
        safe_totals = np.where(totals > 0, totals, 1.0)
        fused = np.stack(
            [np.bincount(clusters, weights=weight * corners[:, k], minlength=n_clusters)
             for k in range(4)], axis=1,
        )
        unweighted = np.stack(
            [np.bincount(clusters, weights=corners[:, k], minlength=n_clusters)
             / np.maximum(np.bincount(clusters, minlength=n_clusters), 1) for k in range(4)],
            axis=1,
        )
        self.cluster_corners_ = np.where(
            (totals > 0)[:, None], fused / safe_totals[:, None], unweighted
        )
        image_quality = np.bincount(answer_object, weights=quality[answer_worker],
                                    minlength=n_objects)
        image_total = np.maximum(image_quality[self.cluster_object_], 1e-12)
        self.cluster_support_ = totals / image_total
        self.kept_ = self.cluster_support_ >= self.min_support - 1e-9
        agree = labels == self.cluster_label_[clusters]
        self.box_iou_ = _iou(corners, self.cluster_corners_[clusters])
        agreeing = np.bincount(clusters, weights=weight * agree * self.box_iou_,
                               minlength=n_clusters)
        self.cluster_confidence_ = np.clip(agreeing / image_total, 0.0, 1.0)

    def _quality(self, data, n_workers, n_objects) -> np.ndarray:
        objects, workers, labels, _, answer_object, answer_worker, share = data
        clusters = self.box_cluster_
        found = self.kept_[clusters] & (labels == self.cluster_label_[clusters])
        matched_iou = np.bincount(workers, weights=found * self.box_iou_ * share,
                                  minlength=n_workers)
        matched = np.bincount(workers, weights=found * share, minlength=n_workers)
        drawn = np.bincount(workers, minlength=n_workers)
        kept_per_image = np.bincount(self.cluster_object_[self.kept_], minlength=n_objects)
        to_find = np.bincount(answer_worker, weights=kept_per_image[answer_object],
                              minlength=n_workers)
        union = drawn + to_find - matched
        mean, strength = self.quality_prior
        return (matched_iou + mean * strength) / (union + strength)


def _count(given: int | None, *indices: np.ndarray) -> int:
    needed = max((int(array.max()) + 1 for array in indices if array.size), default=0)
    if given is None:
        return needed
    if given < needed:
        raise ValueError("an index exceeds the given number of objects or workers")
    return given


def _iou(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """IoU of corresponding rows of two (n, 4) corner arrays."""
    width = np.minimum(first[:, 2], second[:, 2]) - np.maximum(first[:, 0], second[:, 0])
    height = np.minimum(first[:, 3], second[:, 3]) - np.maximum(first[:, 1], second[:, 1])
    inter = np.clip(width, 0, None) * np.clip(height, 0, None)
    area_first = (first[:, 2] - first[:, 0]) * (first[:, 3] - first[:, 1])
    area_second = (second[:, 2] - second[:, 0]) * (second[:, 3] - second[:, 1])
    union = area_first + area_second - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def _match(objects, workers, labels, corners, threshold) -> np.ndarray:
    """Cluster index of every box (mutual best matches per worker pair, then components)."""
    n_boxes = objects.size
    if n_boxes == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(objects, kind="stable")
    starts = np.searchsorted(objects[order], objects[order], side="left")
    sizes = np.bincount(objects)[objects[order]]
    # every ordered pair of boxes on the same image, as positions in `order`
    first = np.repeat(np.arange(n_boxes), sizes)
    offsets = np.arange(first.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    second = starts[first] + offsets
    first, second = order[first], order[second]
    other = workers[first] != workers[second]
    first, second = first[other], second[other]
    iou = _iou(corners[first], corners[second])
    close = iou >= threshold
    first, second, iou = first[close], second[close], iou[close]
    score = iou + (labels[first] == labels[second])  # a same label ranks before any other
    # best partner of each box among each other worker's boxes
    group = first * (int(workers.max()) + 1) + workers[second]
    ranked = np.lexsort((-score, group))
    leader = np.ones(ranked.size, dtype=bool)
    leader[1:] = group[ranked][1:] != group[ranked][:-1]
    best = np.zeros(first.size, dtype=bool)
    best[ranked[leader]] = True
    # keep a pair when it is the best in both directions
    code = first * n_boxes + second
    by_code = np.argsort(code)
    reverse = by_code[np.searchsorted(code[by_code], second * n_boxes + first)]
    mutual = best & best[reverse]
    # scipy is imported where it is used (docs/interfaces.md#startup)
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    graph = sparse.coo_matrix(
        (np.ones(int(mutual.sum())), (first[mutual], second[mutual])), shape=(n_boxes, n_boxes)
    )
    _, component = connected_components(graph, directed=False)
    # number clusters by their first box, so that output follows drawing order
    _, first_box = np.unique(component, return_index=True)
    renumber = np.empty(first_box.size, dtype=np.int64)
    rank = np.argsort(first_box)
    renumber[rank] = np.arange(rank.size)
    return renumber[component]


# --- payload items → arrays --------------------------------------------------------------------


class _Boxes:
    """Boxes of every answer of a fit, as arrays, plus each object's image size."""

    def __init__(self, answers: Answers, label_categories: Sequence[str]) -> None:
        index_of = {label: k for k, label in enumerate(label_categories)}
        self.sizes: dict[int, tuple[int, int]] = {}
        rows: list[tuple[int, int, int, float, float, float, float]] = []
        self.drawn_by_answer: list[list[tuple[int, float, float, float, float]]] = []
        for answer, content in enumerate(answers.contents):
            obj, worker = answers.objects[answer], answers.workers[answer]
            element = element_answer(content, "boundingBoxes")
            drawn: list[tuple[int, float, float, float, float]] = []
            if element is not None:
                self._image_size(obj, element)
                for box in element.get("boundingBoxes") or []:
                    parsed = _parse_box(box, index_of)
                    if parsed is not None:
                        drawn.append(parsed)
                        rows.append((obj, worker, *parsed))
            self.drawn_by_answer.append(drawn)
        table = np.array(rows, dtype=np.float64).reshape(-1, 7)
        self.object = table[:, 0].astype(np.int64)
        self.worker = table[:, 1].astype(np.int64)
        self.label = table[:, 2].astype(np.int64)
        left, top, width, height = table[:, 3], table[:, 4], table[:, 5], table[:, 6]
        self.corners = np.stack([left, top, left + width, top + height], axis=1)

    def _image_size(self, obj: int, element: Mapping[str, Any]) -> None:
        properties = element.get("inputImageProperties")
        if obj in self.sizes or not isinstance(properties, Mapping):
            return
        width, height = properties.get("width"), properties.get("height")
        if _is_number(width) and _is_number(height):
            self.sizes[obj] = (int(width), int(height))


_NUMBER_TYPES = frozenset({int, float})


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBER_TYPES  # bool is not a number here


def _parse_box(box: Any, index_of: Mapping[str, int]):
    """(label index, left, top, width, height), or None for an unknown label or an empty box."""
    try:
        label = index_of[box["label"]]
        left, top, width, height = box["left"], box["top"], box["width"], box["height"]
    except (KeyError, TypeError):
        return None
    numbers = _NUMBER_TYPES
    if (type(left) in numbers and type(top) in numbers and type(width) in numbers
            and type(height) in numbers and width > 0 and height > 0):
        return (label, float(left), float(top), float(width), float(height))
    return None


def _fit(answers: Answers, label_categories: Sequence[str], workers_per_object: int | None):
    boxes = _Boxes(answers, label_categories)
    model = BoxConsolidation()
    n_workers = len(answers.worker_ids)
    model.fit(
        boxes.object, boxes.worker, boxes.label, boxes.corners,
        np.asarray(answers.objects, dtype=np.int64), np.asarray(answers.workers, dtype=np.int64),
        n_labels=len(label_categories), n_objects=len(answers.object_ids), n_workers=n_workers,
        # one worker per object: nothing to compare, every worker counts the same
        fixed_quality=np.ones(n_workers) if workers_per_object == 1 else None,
    )
    return boxes, model


def _object_detection_label(boxes: _Boxes, model: BoxConsolidation, kept: np.ndarray,
                            object_id: str, obj: int, n_answers: int):
    """(label value, `objects`) of one image from its kept clusters, in AWS's key order."""
    if obj not in boxes.sizes:
        raise AnswerFormatError(f"object {object_id}: no answer gives inputImageProperties")
    width, height = boxes.sizes[obj]
    annotations, objects = [], []
    for cluster in kept:
        x1, y1, x2, y2 = (int(np.floor(v + 0.5)) for v in model.cluster_corners_[cluster])
        annotations.append({
            "class_id": int(model.cluster_label_[cluster]),
            "left": x1, "top": y1, "width": x2 - x1, "height": y2 - y1,
        })
        objects.append({"confidence": reported_confidence(
            float(model.cluster_confidence_[cluster]), n_answers)})
    label = {
        "image_size": [{"width": width, "height": height, "depth": IMAGE_DEPTH}],
        "annotations": annotations,
    }
    return label, objects


def _box_response(batch, evidence, label_categories, label_attribute_name, job_name,
                  workers_per_object, now, adjustment: bool) -> list[dict[str, Any]]:
    answers = collect_answers([*(evidence or []), *batch])
    boxes, model = _fit(answers, label_categories, workers_per_object)
    row_of = {object_id: row for row, object_id in enumerate(answers.object_ids)}
    n_answers = np.bincount(np.asarray(answers.objects, dtype=np.int64),
                            minlength=len(answers.object_ids))
    kept_by_object = _group(model.cluster_object_, model.kept_, len(answers.object_ids))
    answer_object = np.asarray(answers.objects, dtype=np.int64)
    answers_by_object = _group(answer_object, np.ones(answer_object.size, bool), n_answers.size)
    response = []
    for object_id in batch_ids(batch):
        obj = row_of[object_id]
        if n_answers[obj] == 0:
            continue  # nothing to consolidate
        label, objects = _object_detection_label(
            boxes, model, kept_by_object[obj], object_id, obj, int(n_answers[obj]))
        class_ids = sorted({box["class_id"] for box in label["annotations"]})
        common = common_metadata(job_name, OBJECT_DETECTION, now)
        metadata: dict[str, Any] = {
            "objects": objects,
            "class-map": {str(k): label_categories[k] for k in class_ids},
            **common,
        }
        if adjustment:
            metadata["adjustment-status"] = _adjustment_status(
                answers, boxes, answers_by_object[obj], label_categories, label_attribute_name
            )
        content = {label_attribute_name: label, f"{label_attribute_name}-metadata": metadata}
        response.append({"datasetObjectId": object_id,
                         "consolidatedAnnotation": {"content": content}})
    return response


def _group(owner: np.ndarray, selected: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Indices *i* with `selected[i]`, split by `owner[i]`, ascending within each group."""
    indices = np.flatnonzero(selected)
    order = np.argsort(owner[indices], kind="stable")
    bounds = np.searchsorted(owner[indices][order], np.arange(n_groups + 1))
    return np.split(indices[order], bounds[1:-1])


def consolidate_boxes(
    batch: Sequence[Mapping[str, Any]],
    *,
    label_categories: Sequence[str],
    label_attribute_name: str,
    job_name: str,
    workers_per_object: int | None,
    now: datetime,
    evidence: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """ACS response of a bounding-box job for the objects of `batch` (fit on evidence + batch).

    The output label is AWS's object-detection line (`image_size`, `annotations` with
    `class_id`, `left`, `top`, `width`, `height`) and the metadata `objects` (a confidence per
    box), `class-map`, `type`, `human-annotated`, `creation-date`, `job-name`.
    """
    return _box_response(batch, evidence, label_categories, label_attribute_name, job_name,
                         workers_per_object, now, adjustment=False)


def consolidate_box_adjustment(
    batch: Sequence[Mapping[str, Any]],
    *,
    label_categories: Sequence[str],
    label_attribute_name: str,
    job_name: str,
    workers_per_object: int | None,
    now: datetime,
    evidence: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """ACS response of a box adjustment job: the adjusted boxes and `adjustment-status`.

    Workers answer with `crowd-bounding-box` started from the earlier boxes, so their boxes
    are consolidated as in `consolidate_boxes`. The status is `adjusted` when at least one
    worker's boxes differ from the earlier ones, which are read from the payload item's
    `manifestLine` (an object or its JSON text; or `dataObject`): the first value with
    `annotations` and `image_size` under a key other than this job's label attribute. With no
    earlier boxes to compare, any drawn box counts as an adjustment.
    """
    return _box_response(batch, evidence, label_categories, label_attribute_name, job_name,
                         workers_per_object, now, adjustment=True)


def _adjustment_status(answers: Answers, boxes: _Boxes, object_answers: np.ndarray,
                       label_categories: Sequence[str], label_attribute_name: str) -> str:
    obj = answers.objects[object_answers[0]]
    earlier = _earlier_boxes(answers.items[obj], label_categories, label_attribute_name)
    for answer in object_answers:
        drawn = sorted(boxes.drawn_by_answer[answer])
        if drawn != earlier:
            return "adjusted"
    return "unadjusted"


def _earlier_boxes(item: Mapping[str, Any], label_categories: Sequence[str],
                   label_attribute_name: str) -> list[tuple[int, float, float, float, float]]:
    for holder in (item.get("manifestLine"), item.get("dataObject")):
        if isinstance(holder, str):  # the line as JSON text, as intermediate files keep it
            try:
                holder = json.loads(holder)
            except ValueError:
                continue
        if not isinstance(holder, Mapping):
            continue
        for key, value in holder.items():
            if key == label_attribute_name or not isinstance(value, Mapping):
                continue
            if isinstance(value.get("annotations"), list) and "image_size" in value:
                class_map = holder.get(f"{key}-metadata", {}).get("class-map", {})
                return sorted(_earlier_box(box, class_map, label_categories)
                              for box in value["annotations"])
    return []


def _earlier_box(box: Mapping[str, Any], class_map: Mapping[str, str],
                 label_categories: Sequence[str]):
    name = class_map.get(str(box.get("class_id")))
    label = label_categories.index(name) if name in label_categories else int(box["class_id"])
    return (label, *(float(box[key]) for key in ("left", "top", "width", "height")))
