"""How close consolidated labels come to the truth, by crowd size and spammers.

Runs multi-label jobs over the bundled pictures (the manifest cycles through them) under
`mock_aws`, completes each with seeded simulated crowds (`emulator.simulate`) answering from
the pictures' known truth, and scores the output manifest: labels with confidence >= 0.5
(every label with one worker per object, whose confidences are all 0.0) against the truth
(exact pictures, label precision and recall).

    python benchmarks/crowd_accuracy.py [--objects 320] [--seeds 3]
"""

from __future__ import annotations

import argparse
import time

import gtemu_fixtures
from moto import mock_aws

from emulator.commands.demo import (
    CONFIDENT,
    LABEL_ATTRIBUTE,
    Score,
    create_job,
    create_team,
    upload_inputs,
)
from emulator.simulate import Truth, simulated_crowd
from emulator.testing import GroundTruth

CROWDS = [  # (workers per object, spammers among them, accuracy or None for drawn)
    (1, 0, None),
    (3, 0, None),
    (5, 0, None),
    (3, 1, None),
    (5, 1, None),
    (5, 2, None),
    (3, 0, 0.8),
    (5, 0, 0.8),
]


def score_manifest(lines: list[dict], truth: dict[str, list[str]], threshold: float) -> Score:
    score = Score()
    for line in lines:
        metadata = line[f"{LABEL_ATTRIBUTE}-metadata"]
        chosen = {
            metadata["class-map"][str(index)]
            for index in line[LABEL_ATTRIBUTE]
            if metadata["confidence-map"][str(index)] >= threshold
        }
        score.add(chosen, set(truth[line["source-ref"].rsplit("/", 1)[-1]]))
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=320)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    truth = gtemu_fixtures.truth("multilabel")
    print(f"{args.objects} objects, {args.seeds} seeds each; labels with confidence >= {CONFIDENT}")
    print(f"{'workers':>7} {'spammers':>8} {'accuracy':>8} {'exact':>7} {'precision':>9} "
          f"{'recall':>7} {'seconds':>7}")
    for workers, spammers, accuracy in CROWDS:
        total = Score()
        started = time.perf_counter()
        for seed in range(args.seeds):
            with mock_aws():
                gt = GroundTruth()
                uris = upload_inputs(gt.s3, args.objects)
                create_job(gt.sagemaker, uris, create_team(gt.sagemaker), workers,
                           job_name="accuracy", MaxConcurrentTaskCount=args.objects)
                crowd = simulated_crowd(workers, seed=seed, accuracy=accuracy,
                                        truth=Truth(truth, seed=seed), spammers=spammers)
                gt.complete_job("accuracy", workers=crowd)
                # One worker per object: every confidence is 0.0 (docs/consolidation.md#confidence);
                # count all labels.
                threshold = CONFIDENT if workers > 1 else 0.0
                run = score_manifest(gt.output_manifest("accuracy"), truth, threshold)
            for name in ("objects", "exact", "true_positives", "false_positives",
                         "false_negatives"):
                setattr(total, name, getattr(total, name) + getattr(run, name))
        seconds = (time.perf_counter() - started) / args.seeds
        shown_accuracy = "drawn" if accuracy is None else f"{accuracy:.2f}"
        print(f"{workers:>7} {spammers:>8} {shown_accuracy:>8} "
              f"{total.exact / total.objects:>7.1%} {total.precision:>9.3f} {total.recall:>7.3f} "
              f"{seconds:>7.2f}")


if __name__ == "__main__":
    main()
