"""Mask consolidation benchmark: gtemu's SegmentationDawidSkene vs crowd-kit's aggregators.

    python benchmarks/consolidators/masks.py                          # 1,000 x 512x512 x 3
    python benchmarks/consolidators/masks.py --images 200 --crowdkit-images 50
    python benchmarks/consolidators/masks.py --scenario painter       # or: sloppy

Binary masks (object vs background), so that crowd-kit's `SegmentationEM` and
`SegmentationMajorityVote` (binary aggregators, one image at a time) see the same data. Seeded
truth: 1-4 rectangles per image. Workers paint each rectangle with its edges off by up to 3 px,
miss 10 % of them and add a stray rectangle on 15 % of images. Scenarios (`--scenario`) for the
last worker: `careful` like the others; `painter` (or `--spammer`) paints 1-4 random rectangles,
no information about the image; `sloppy` careful but misses 40 % of the rectangles. Masks are kept
bit-packed (50 MB for 1,000 x 3 x 512 x 512) and unpacked image by image while fitting, as
`consolidate_segmentation` decodes PNGs one object at a time; the unpacking is inside the timed
fit. gtemu runs first, so the peak RSS printed after it is its own (the process holds the packed
masks and the truth too). gtemu's stage one alone (`regions=False`: the model before per-class
region rates) is measured beside it. crowd-kit runs on the first --crowdkit-images images (it
holds one bool DataFrame cell per mask); gtemu's IoU on that subset is printed beside it.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from consolidation.masks import SegmentationDawidSkene


def generate(n_images, n_workers, size, seed, scenario):
    rng = np.random.default_rng(seed)
    truth = np.zeros((n_images, size * size // 8), dtype=np.uint8)
    packed = np.zeros((n_images, n_workers, size * size // 8), dtype=np.uint8)
    for image in range(n_images):
        boxes = []
        for _ in range(rng.integers(1, 5)):
            h, w = rng.integers(size // 10, size // 3, 2)
            top, left = rng.integers(0, size - h), rng.integers(0, size - w)
            boxes.append((top, left, h, w))
        mask = np.zeros((size, size), dtype=bool)
        for top, left, h, w in boxes:
            mask[top:top + h, left:left + w] = True
        truth[image] = np.packbits(mask)
        for worker in range(n_workers):
            painted = np.zeros((size, size), dtype=bool)
            last = worker == n_workers - 1
            if scenario == "painter" and last:
                for _ in range(rng.integers(1, 5)):
                    h, w = rng.integers(size // 10, size // 3, 2)
                    top, left = rng.integers(0, size - h), rng.integers(0, size - w)
                    painted[top:top + h, left:left + w] = True
            else:
                miss = 0.4 if scenario == "sloppy" and last else 0.1
                for top, left, h, w in boxes:
                    if rng.random() < miss:
                        continue
                    dt, dl, dh, dw = rng.integers(-3, 4, 4)
                    painted[max(top + dt, 0):top + h + dh, max(left + dl, 0):left + w + dw] = True
                if rng.random() < 0.15:
                    h, w = rng.integers(size // 20, size // 8, 2)
                    top, left = rng.integers(0, size - h), rng.integers(0, size - w)
                    painted[top:top + h, left:left + w] = True
            packed[image, worker] = np.packbits(painted)
    return truth, packed


def unpack(row, size):
    return np.unpackbits(row, axis=-1).reshape(*row.shape[:-1], size, size)


def iou(truth, predicted):
    union = np.sum(truth | predicted)
    return np.sum(truth & predicted) / union if union else 1.0


def run_gtemu(model, packed, truth, args):
    """(wall s, CPU s, IoU per image) of fitting and predicting every map, as a caller would."""
    start, cpu = time.perf_counter(), time.process_time()
    model.fit((unpack(packed[image], args.size) for image in range(args.images)),
              [list(range(args.workers))] * args.images, n_classes=2)
    for image in range(args.images):
        model.predict_image(image)  # each map as a caller would write it, one at a time
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    scores = [iou(unpack(truth[image], args.size).astype(bool),
                  model.predict_image(image).astype(bool)) for image in range(args.images)]
    return elapsed, cpu, scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", choices=("careful", "painter", "sloppy"), default="careful")
    parser.add_argument("--spammer", action="store_true", help="same as --scenario painter")
    parser.add_argument("--crowdkit-images", type=int, default=100)
    args = parser.parse_args()
    scenario = "painter" if args.spammer else args.scenario
    truth, packed = generate(args.images, args.workers, args.size, args.seed, scenario)
    print(f"{args.images} images of {args.size}x{args.size} x {args.workers} workers, "
          f"last worker: {scenario}")
    print("| method | images | mean IoU | time s (CPU s) | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    ious = {}
    for name, options in (("gtemu SegmentationDawidSkene", {}),
                          ("gtemu stage one only (regions=False)", {"regions": False})):
        model = SegmentationDawidSkene(**options)
        elapsed, cpu, ious[name] = run_gtemu(model, packed, truth, args)
        # the peak so far is the first model's own; the second one's would be hidden by it
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if len(ious) == 1 else None
        print(f"| {name} (fit + predict) | {args.images} | {np.mean(ious[name]):.4f} "
              f"| {elapsed:.2f} ({cpu:.2f}) | {'' if rss is None else f'{rss:.0f}'} |")
        del model  # its per-pixel tables go before the next one is fitted
    majority = [iou(unpack(truth[image], args.size).astype(bool),
                    unpack(packed[image], args.size).sum(0) * 2 > args.workers)
                for image in range(args.images)]
    print(f"| plain pixel majority | {args.images} | {np.mean(majority):.4f} | | |")
    n = min(args.crowdkit_images, args.images)
    if n == 0:
        return
    import pandas as pd
    from crowdkit.aggregation import SegmentationEM, SegmentationMajorityVote

    rows = [
        {"task": image, "worker": worker,
         "segmentation": unpack(packed[image, worker], args.size).astype(bool)}
        for image in range(n) for worker in range(args.workers)
    ]
    frame = pd.DataFrame(rows)
    truth_masks = [unpack(truth[image], args.size).astype(bool) for image in range(n)]
    for name, scores in ious.items():
        print(f"| {name}, first {n} | {n} | {np.mean(scores[:n]):.4f} | | |")
    for name, aggregator in (("crowd-kit SegmentationEM", SegmentationEM()),
                             ("crowd-kit SegmentationMajorityVote", SegmentationMajorityVote())):
        start, cpu = time.perf_counter(), time.process_time()
        result = aggregator.fit_predict(frame)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        score = np.mean([iou(truth_masks[image], np.asarray(result[image], dtype=bool))
                         for image in range(n)])
        print(f"| {name} | {n} | {score:.4f} | {elapsed:.2f} ({cpu:.2f}) | |")


if __name__ == "__main__":
    main()
