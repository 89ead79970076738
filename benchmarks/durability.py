"""Durability figures for `gtemu serve --state-dir` (docs/durability.md).

1. Kills: for each seed, a job worked by 3 simulated workers while `gtemu serve` is killed
   with SIGKILL `--kills` times at seeded random points (after an acknowledgement, while a task
   is held, while an answer is on the wire); counts answers lost after a restart and compares
   the output manifest with an uninterrupted run of the same seed.
2. Restart: a journaled job of `--answers` answers, worked to its end; then the time
   `gtemu serve` takes to start again on that state directory (replay included), and the
   answers per second of the journaled run against an in-memory (`--ephemeral`) one.

    python benchmarks/durability.py [--seeds 3] [--kills 6] [--answers 3000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "durability"))

from crash import (  # noqa: E402
    CrashHarness,
    ServeProcess,
    acknowledged_answers,
    labels_and_confidences,
)

WORKERS = 3


def kills(seeds: int, kills_per_run: int, objects: int) -> None:
    survived = lost = 0
    for seed in range(1, seeds + 1):
        with tempfile.TemporaryDirectory() as scratch:
            baseline = CrashHarness(None, objects=objects, workers=WORKERS, kills=0,
                                    seed=seed).execute()
            run = CrashHarness(Path(scratch) / "state", objects=objects, workers=WORKERS,
                               kills=kills_per_run, seed=seed).execute()
        missing = set(acknowledged_answers(run)) - set(run.stored_answers)
        same = labels_and_confidences(run.output) == labels_and_confidences(baseline.output)
        lost += len(run.lost_after_restart) + len(missing)
        survived += len(run.kills)
        restarts = ", ".join(f"{s:.2f}" for s in run.restart_seconds)
        print(f"seed {seed}: {len(run.kills)} kills ({', '.join(run.kills)}); "
              f"{len(run.acknowledged)} acknowledged, {len(run.lost_after_restart)} lost after a "
              f"restart, {len(missing)} missing from the outputs; output manifest "
              f"{'identical' if same else 'DIFFERENT'}; restarts {restarts} s", flush=True)
    print(f"kills survived: {survived}, answers lost: {lost}")


def restart(answers: int, *, compare: bool = True) -> None:
    objects = answers // WORKERS
    timings = {}
    with tempfile.TemporaryDirectory() as scratch:
        runs = [("ephemeral", None)] if compare else []
        for name, state_dir in [*runs, ("journaled", Path(scratch) / "state")]:
            started = time.perf_counter()
            run = CrashHarness(state_dir, objects=objects, workers=WORKERS, kills=0,
                               seed=1).execute()
            timings[name] = time.perf_counter() - started
            print(f"{name}: {len(run.acknowledged)} answers, job {run.status}, "
                  f"{timings[name]:.1f} s ({len(run.acknowledged) / timings[name]:.0f} answers/s "
                  "incl. start-up and upload)", flush=True)
        server = ServeProcess(Path(scratch) / "state")
        server.start()
        server.stop()
        print(f"restart after {len(run.acknowledged)} answers: {server.replayed} changes "
              f"replayed in {server.replay_seconds:.2f} s; serving after "
              f"{server.start_seconds:.2f} s; journal "
              f"{(Path(scratch) / 'state' / 'gtemu.sqlite3').stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--objects", type=int, default=40, help="objects of the kill runs")
    parser.add_argument("--answers", type=int, default=3000)
    parser.add_argument("--more-answers", type=int, default=9000,
                        help="a second, journaled-only restart figure (0: none)")
    args = parser.parse_args()
    kills(args.seeds, args.kills, args.objects)
    restart(args.answers)
    if args.more_answers:
        restart(args.more_answers, compare=False)


if __name__ == "__main__":
    main()
