"""Bounding-box consolidation: accuracy against a known truth and AWS's output shapes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from consolidation.boxes import (
    BoxConsolidation,
    consolidate_box_adjustment,
    consolidate_boxes,
)
from consolidation.verification import consolidate_label_verification
from tests.consolidation.helpers import NOW

LABELS = ["cat", "dog", "bird"]
SIZE = {"width": 640, "height": 480}


def box(label, left, top, width, height):
    return {"label": label, "left": left, "top": top, "width": width, "height": height}


def box_item(object_id, answers, element="annotatedResult", extra=None):
    """`answers`: (workerId, [boxes]) pairs."""
    item = {
        "datasetObjectId": str(object_id),
        "dataObject": {"s3Uri": f"s3://bucket/{object_id}.jpg"},
        "annotations": [
            {"workerId": worker, "annotationData": {"content": json.dumps(
                {element: {"boundingBoxes": boxes, "inputImageProperties": SIZE}})}}
            for worker, boxes in answers
        ],
    }
    item.update(extra or {})
    return item


def run(function, batch, workers_per_object=3, labels=LABELS, **kwargs):
    return function(batch, label_categories=labels, label_attribute_name="bb", job_name="Box-Job",
                    workers_per_object=workers_per_object, now=NOW, **kwargs)


def synthetic_job(seed=0, n_images=300):
    """Three careful workers and one spammer; misses, spurious boxes, wrong labels, jitter."""
    rng = np.random.default_rng(seed)
    truth, items = [], []
    for image in range(n_images):
        boxes = []
        for _ in range(rng.integers(1, 4)):
            width, height = rng.integers(40, 160, size=2)
            left, top = rng.integers(0, 640 - width), rng.integers(0, 480 - height)
            boxes.append((int(rng.integers(3)), left, top, width, height))
        truth.append(boxes)
        answers = []
        for worker in ("careful-1", "careful-2", "careful-3", "spammer"):
            drawn = []
            if worker == "spammer":
                for _ in range(rng.integers(1, 4)):
                    corners = map(int, rng.integers(0, 300, 4) + 10)
                    drawn.append(box(LABELS[rng.integers(3)], *corners))
            else:
                for label, left, top, width, height in boxes:
                    if rng.random() < 0.1:
                        continue  # missed
                    if rng.random() < 0.05:
                        label = (label + 1) % 3  # wrong label
                    jitter = rng.normal(0, 3, 4).round().astype(int)
                    drawn.append(box(LABELS[label], int(left + jitter[0]), int(top + jitter[1]),
                                     int(width + jitter[2]), int(height + jitter[3])))
                if rng.random() < 0.1:
                    drawn.append(box(LABELS[rng.integers(3)], *map(int, rng.integers(10, 300, 4))))
            answers.append((worker, drawn))
        items.append(box_item(image, answers))
    return truth, items


def iou(a, b):
    ax2, ay2, bx2, by2 = a[1] + a[3], a[2] + a[4], b[1] + b[3], b[2] + b[4]
    w = min(ax2, bx2) - max(a[1], b[1])
    h = min(ay2, by2) - max(a[2], b[2])
    inter = max(w, 0) * max(h, 0)
    return inter / (a[3] * a[4] + b[3] * b[4] - inter)


def scores(truth, response):
    """(precision, recall, mean IoU of matches) at IoU 0.5 with the same label."""
    found = correct = total_truth = 0
    ious = []
    for boxes, element in zip(truth, response, strict=True):
        predicted = [(a["class_id"], a["left"], a["top"], a["width"], a["height"])
                     for a in element["consolidatedAnnotation"]["content"]["bb"]["annotations"]]
        found += len(predicted)
        total_truth += len(boxes)
        for true in boxes:
            best = max((iou(true, p) for p in predicted if p[0] == true[0]), default=0)
            if best >= 0.5:
                correct += 1
                ious.append(best)
    return correct / found, correct / total_truth, float(np.mean(ious))


def test_boxes_recover_the_truth_despite_a_spammer_misses_and_spurious_boxes():
    truth, items = synthetic_job()
    response = run(consolidate_boxes, items)
    precision, recall, matched_iou = scores(truth, response)
    assert precision > 0.97 and recall > 0.93 and matched_iou > 0.9
    # the spammer is recognised: its quality is far below every careful worker's
    from consolidation._payload import collect_answers
    from consolidation.boxes import _fit
    answers = collect_answers(items)
    _, model = _fit(answers, LABELS, 3)
    quality = dict(zip(answers.worker_ids, model.worker_quality_, strict=True))
    assert quality["spammer"] < 0.1 < 0.6 < min(quality[f"careful-{k}"] for k in (1, 2, 3))


def test_quality_weights_beat_equal_weights_with_two_careful_workers_and_a_spammer():
    truth, items = synthetic_job(seed=3)
    for item in items:
        item["annotations"] = [a for a in item["annotations"] if a["workerId"] != "careful-3"]
    weighted = scores(truth, run(consolidate_boxes, items))
    # equal weights: a box one careful worker missed has one vote in three and is lost
    equal = scores(truth, run(consolidate_boxes, items, workers_per_object=1))
    assert weighted[1] > equal[1] + 0.05
    assert weighted[0] > 0.85


def test_output_line_and_metadata_in_aws_order():
    items = [box_item(7, [
        ("w1", [box("dog", 10, 20, 50, 60), box("cat", 300, 200, 40, 40)]),
        ("w2", [box("dog", 12, 20, 50, 58), box("cat", 302, 201, 40, 40)]),
        ("w3", [box("dog", 11, 21, 49, 60)]),
    ])]
    [element] = run(consolidate_boxes, items)
    content = element["consolidatedAnnotation"]["content"]
    assert element["datasetObjectId"] == "7"
    assert list(content) == ["bb", "bb-metadata"]
    label, metadata = content["bb"], content["bb-metadata"]
    assert label["image_size"] == [{"width": 640, "height": 480, "depth": 3}]
    assert [list(a) for a in label["annotations"]] == [["class_id", "left", "top", "width",
                                                        "height"]] * 2
    assert label["annotations"][0] == {"class_id": 1, "left": 11, "top": 20, "width": 50,
                                       "height": 60}
    assert label["annotations"][1]["class_id"] == 0
    assert list(metadata) == ["objects", "class-map", "type", "human-annotated", "creation-date",
                              "job-name"]
    assert metadata["class-map"] == {"0": "cat", "1": "dog"}
    assert metadata["type"] == "groundtruth/object-detection"
    assert metadata["job-name"] == "labeling-job/box-job"
    assert metadata["creation-date"] == "2024-05-01T10:15:30.123456"
    confidences = [o["confidence"] for o in metadata["objects"]]
    assert confidences[0] > confidences[1] > 0  # three workers agree on the dog, two on the cat


def test_one_worker_keeps_every_box_with_confidence_zero():
    items = [box_item(0, [("w1", [box("dog", 10, 20, 50, 60), box("bird", 1, 1, 5, 5)])])]
    [element] = run(consolidate_boxes, items, workers_per_object=1)
    content = element["consolidatedAnnotation"]["content"]
    assert len(content["bb"]["annotations"]) == 2
    assert content["bb-metadata"]["objects"] == [{"confidence": 0.0}] * 2


def test_unknown_labels_and_empty_answers_draw_nothing():
    items = [box_item(0, [("w1", [box("unicorn", 10, 20, 50, 60)]), ("w2", [])])]
    [element] = run(consolidate_boxes, items)
    content = element["consolidatedAnnotation"]["content"]
    assert content["bb"]["annotations"] == []
    assert content["bb-metadata"]["objects"] == [] and content["bb-metadata"]["class-map"] == {}


def test_results_only_for_the_batch_but_fitted_on_evidence():
    _, items = synthetic_job(n_images=20)
    response = run(consolidate_boxes, items[-2:], evidence=items[:-2])
    assert [e["datasetObjectId"] for e in response] == ["18", "19"]


def test_estimator_on_arrays():
    # image 0: three workers agree on one box, worker 2 adds a stray one; image 1: nobody draws
    corners = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 1, 10, 11], [50, 50, 60, 60]])
    model = BoxConsolidation(iou_threshold=0.5, min_support=0.5).fit(
        box_object=[0, 0, 0, 0], box_worker=[0, 1, 2, 2], box_label=[0, 0, 1, 0],
        box_corners=corners, answer_object=[0, 0, 0, 1, 1], answer_worker=[0, 1, 2, 0, 1],
        n_labels=2,
    )
    assert model.box_cluster_.tolist() == [0, 0, 0, 1]
    assert model.predict().tolist() == [0]
    assert model.cluster_label_[0] == 0  # two of three said label 0
    fused = model.cluster_corners_[0]
    assert np.all(corners[:3].min(0) <= fused) and np.all(fused <= corners[:3].max(0))
    # worker 2 (wrong label, a stray box) weighs less, so the fused box leans to workers 0 and 1
    assert model.worker_quality_[2] < model.worker_quality_[0]
    assert fused[1] < 1 / 3


EARLIER = {
    "source-ref": "s3://bucket/0.jpg",
    "boxes": {"image_size": [{"width": 640, "height": 480, "depth": 3}],
              "annotations": [{"class_id": 1, "left": 10, "top": 20, "width": 50, "height": 60}]},
    "boxes-metadata": {"class-map": {"1": "dog"}, "type": "groundtruth/object-detection"},
}


@pytest.mark.parametrize(("second", "status", "line"), [
    ([box("dog", 10, 20, 50, 60)], "unadjusted", EARLIER),
    ([box("dog", 14, 20, 50, 60)], "adjusted", EARLIER),
    ([box("dog", 10, 20, 50, 60)], "unadjusted", json.dumps(EARLIER)),
])
def test_adjustment_status(second, status, line):
    items = [box_item(0, [("w1", [box("dog", 10, 20, 50, 60)]), ("w2", second)],
                      extra={"manifestLine": line})]
    [element] = run(consolidate_box_adjustment, items, workers_per_object=2)
    metadata = element["consolidatedAnnotation"]["content"]["bb-metadata"]
    assert list(metadata)[-1] == "adjustment-status"
    assert metadata["adjustment-status"] == status
    assert metadata["type"] == "groundtruth/object-detection"


def verification_item(object_id, answers):
    return {
        "datasetObjectId": str(object_id), "dataObject": {"s3Uri": "s3://b/0.jpg"},
        "annotations": [
            {"workerId": worker, "annotationData": {"content": json.dumps(content)}}
            for worker, content in answers
        ],
    }


def test_verification_verdict_confidence_and_feedback():
    items = [
        verification_item(0, [
            ("w1", {"verify": {"label": "bad"}, "comment": "box too wide"}),
            ("w2", {"verify": {"label": "bad"}}),
            ("w3", {"verify": {"label": "good", "comment": " "}}),
        ]),
        verification_item(1, [(w, {"verify": {"label": "good"}}) for w in ("w1", "w2", "w3")]),
    ]
    first, second = run(consolidate_label_verification, items, labels=["good", "bad"])
    content = first["consolidatedAnnotation"]["content"]
    assert content["bb"] == 1
    metadata = content["bb-metadata"]
    assert list(metadata) == ["class-name", "confidence", "type", "job-name", "human-annotated",
                              "creation-date", "worker-feedback"]
    assert metadata["class-name"] == "bad" and 0 < metadata["confidence"] <= 0.95
    assert metadata["type"] == "groundtruth/label-verification"
    assert metadata["worker-feedback"] == [{"comment": "box too wide"}]
    assert "worker-feedback" not in second["consolidatedAnnotation"]["content"]["bb-metadata"]
