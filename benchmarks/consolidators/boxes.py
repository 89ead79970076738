"""Bounding-box consolidation benchmark: gtemu's BoxConsolidation vs a per-label greedy union.

    python benchmarks/consolidators/boxes.py                 # 10,000 images x 3 workers
    python benchmarks/consolidators/boxes.py --images 2000 --workers 5

Seeded synthetic truth: 1-5 boxes per 640x480 image, 3 labels. Workers: most jitter each corner
(sd 3 px), miss 10 % of boxes, add a stray box on 10 % of images and give a wrong label 5 % of
the time; one worker in five (and with --spammer the last one) is a spammer drawing random
boxes. Scored against the truth at
IoU >= 0.5 with the same label: box precision, recall and the mean IoU of matched boxes.
Times: the estimator's fit on the arrays (best of 3) and the whole ACS entry point
(`consolidate_boxes` on payload items, JSON parsing included).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime

import numpy as np

from consolidation.boxes import BoxConsolidation, _iou, consolidate_boxes

LABELS = ["car", "person", "bicycle"]


def generate(n_images: int, n_workers: int, seed: int, spammer: bool = False):
    rng = np.random.default_rng(seed)
    truth = []  # per image: array (k, 5) label, x1, y1, x2, y2
    rows = []  # object, worker, label, x1, y1, x2, y2
    spammers = set(range(4, n_workers, 5)) | ({n_workers - 1} if spammer else set())
    for image in range(n_images):
        k = rng.integers(1, 6)
        size = rng.integers(30, 160, size=(k, 2))
        corner = rng.integers(0, 1, size=(k, 2)) + rng.random((k, 2)) * ([640, 480] - size)
        boxes = np.column_stack([rng.integers(3, size=k), corner, corner + size]).round()
        truth.append(boxes)
        for worker in range(n_workers):
            if worker in spammers:
                for _ in range(rng.integers(1, 4)):
                    x, y = rng.random(2) * [560, 400]
                    w, h = rng.integers(20, 80, 2)
                    rows.append((image, worker, rng.integers(3), x, y, x + w, y + h))
                continue
            for label, x1, y1, x2, y2 in boxes:
                if rng.random() < 0.1:
                    continue
                if rng.random() < 0.05:
                    label = (label + 1) % 3
                jitter = rng.normal(0, 3, 4)
                rows.append((image, worker, label, x1 + jitter[0], y1 + jitter[1],
                             x2 + jitter[2], y2 + jitter[3]))
            if rng.random() < 0.1:
                x, y = rng.random(2) * [560, 400]
                rows.append((image, worker, rng.integers(3), x, y, x + 50, y + 40))
    table = np.array(rows, dtype=np.float64).round()
    return truth, table


def greedy_union(table, n_images):
    """Peer: per image and label, each box joins the first cluster it overlaps (IoU >= 0.5)
    with its running mean box, else starts one; every cluster is kept."""
    out = [[] for _ in range(n_images)]
    for image, _, label, *corners in table:
        clusters = out[int(image)]
        box = np.array(corners)
        for cluster in clusters:
            if cluster[0] == label and _iou(cluster[1][None] / cluster[2], box[None])[0] >= 0.5:
                cluster[1] += box
                cluster[2] += 1
                break
        else:
            clusters.append([label, box.copy(), 1])
    return [np.array([[c[0], *(c[1] / c[2])] for c in clusters]).reshape(-1, 5)
            for clusters in out]


def score(truth, predicted):
    found = correct = total = 0
    ious = []
    for true, pred in zip(truth, predicted, strict=True):
        found += len(pred)
        total += len(true)
        for box in true:
            same = pred[pred[:, 0] == box[0]]
            if not len(same):
                continue
            best = _iou(np.repeat(box[None, 1:], len(same), 0), same[:, 1:]).max()
            if best >= 0.5:
                correct += 1
                ious.append(best)
    return correct / max(found, 1), correct / total, float(np.mean(ious))


def payload(table, n_images, n_workers):
    answers = {(i, w): [] for i in range(n_images) for w in range(n_workers)}
    for image, worker, label, x1, y1, x2, y2 in table:
        answers[int(image), int(worker)].append({
            "label": LABELS[int(label)], "left": int(x1), "top": int(y1),
            "width": int(x2 - x1), "height": int(y2 - y1)})
    return [{
        "datasetObjectId": str(i), "dataObject": {"s3Uri": f"s3://b/{i}.jpg"},
        "annotations": [{"workerId": f"w{w}", "annotationData": {"content": json.dumps(
            {"boxes": {"boundingBoxes": answers[i, w],
                       "inputImageProperties": {"width": 640, "height": 480}}})}}
            for w in range(n_workers)],
    } for i in range(n_images)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--spammer", action="store_true", help="the last worker is a spammer")
    args = parser.parse_args()
    truth, table = generate(args.images, args.workers, args.seed, args.spammer)
    print(f"{args.images} images x {args.workers} workers, {len(table)} boxes "
          f"({len(table) / args.images / args.workers:.1f} per answer)")
    answer_object = np.repeat(np.arange(args.images), args.workers)
    answer_worker = np.tile(np.arange(args.workers), args.images)
    fit_times = []
    for _ in range(3):
        start = time.perf_counter()
        model = BoxConsolidation().fit(
            table[:, 0], table[:, 1], table[:, 2], table[:, 3:], answer_object, answer_worker,
            n_labels=3,
        )
        fit_times.append(time.perf_counter() - start)
    kept = model.predict()
    predicted = [[] for _ in range(args.images)]
    for cluster in kept:
        predicted[model.cluster_object_[cluster]].append(
            [model.cluster_label_[cluster], *np.floor(model.cluster_corners_[cluster] + 0.5)])
    predicted = [np.array(p).reshape(-1, 5) for p in predicted]
    items = payload(table, args.images, args.workers)
    start = time.perf_counter()
    consolidate_boxes(items, label_categories=LABELS, label_attribute_name="boxes",
                      job_name="bench", workers_per_object=args.workers, now=datetime.now())
    end_to_end = time.perf_counter() - start
    start = time.perf_counter()
    union = greedy_union(table, args.images)
    union_time = time.perf_counter() - start
    print("| method | precision | recall | matched IoU | time s |")
    print("|---|---:|---:|---:|---:|")
    p, r, m = score(truth, predicted)
    print(f"| gtemu BoxConsolidation (fit on arrays) | {p:.4f} | {r:.4f} | {m:.4f} | "
          f"{min(fit_times):.3f} |")
    print(f"| gtemu consolidate_boxes (payload items, JSON parsed) | | | | {end_to_end:.3f} |")
    p, r, m = score(truth, union)
    print(f"| per-label greedy union | {p:.4f} | {r:.4f} | {m:.4f} | {union_time:.3f} |")


if __name__ == "__main__":
    main()
