"""Restart time of `gtemu serve --state-dir` against its history (docs/durability.md).

Builds a state of `--answers` journaled answers (a job of answers/3 objects, 3 workers per
object, worked in this process through the durable engine, so every hand-out and answer is a
journal entry as over HTTP) and `--polls` DescribeLabelingJob polls over HTTP, then measures
how long `gtemu serve` takes to start on it (process start to the banner, and the restore alone),
against an empty state directory, in the same run:

* after a crash: the server is stopped without a last snapshot, so the start loads the newest
  automatic snapshot and replays the journal after it (up to SNAPSHOT_EVERY entries);
* after a clean stop (Ctrl-C writes a snapshot): the start loads it and replays nothing.

    python benchmarks/restart.py [--answers 30000] [--polls 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "durability"))

from crash import ServeProcess  # noqa: E402

from emulator.commands.demo import clients, create_job, create_team, upload_inputs  # noqa: E402
from emulator.server import GtemuServer  # noqa: E402
from emulator.state import state_for  # noqa: E402

WORKERS = 3
ANSWER = {"crowd-image-classifier-multi-select": {"labels": ["circle"]}}


def build_history(state_dir: Path, answers: int, polls: int) -> None:
    objects = answers // WORKERS
    started = time.perf_counter()
    with GtemuServer(port=0, ui_port=0, state_dir=state_dir) as server:
        # Building the history need not wait for the disk: what is measured is the restart,
        # which reads the same journal and snapshots either way.
        server._durability.journal._db.execute("PRAGMA synchronous=OFF")
        sagemaker, s3 = clients(server.endpoint_url)
        uris = upload_inputs(s3, objects)
        create_job(sagemaker, uris, create_team(sagemaker, "bench-team"), WORKERS,
                   job_name="bench", TaskTimeLimitInSeconds=3600,
                   TaskAvailabilityLifetimeInSeconds=864000)
        state = state_for("123456789012", "us-east-1")
        job = state.jobs.find_job("bench")
        identities = [state.workforce.worker_identity(job.workteam_arn, f"worker-{i}")
                      for i in range(WORKERS)]
        done = 0
        while done < answers:
            progressed = False
            for identity in identities:
                task = state.jobs.next_task("bench", identity)
                if task is None:
                    continue
                state.jobs.submit(task.task_id, identity.worker_id, ANSWER)
                done += 1
                progressed = True
            if not progressed:
                if state.jobs.find_job("bench").status != "InProgress" and done:
                    break
                time.sleep(0.05)
        for _ in range(polls):
            sagemaker.describe_labeling_job(LabelingJobName="bench")
        status = sagemaker.describe_labeling_job(LabelingJobName="bench")["LabelingJobStatus"]
        server._durability.snapshot_every = None  # stop as after a crash: no last snapshot
    print(f"history: {done} answers, {polls} polls, job {status}, "
          f"built in {time.perf_counter() - started:.0f} s")


def journal_size(state_dir: Path) -> str:
    with sqlite3.connect(state_dir / "gtemu.sqlite3") as db:
        entries = db.execute("SELECT count(*) FROM journal").fetchone()[0]
    snapshots = sum(p.stat().st_size for p in (state_dir / "snapshots").glob("*"))
    return f"{entries} journal entries, snapshots {snapshots / 1e6:.1f} MB"


def time_starts(state_dir: Path, repeat: int, *, clean_stop: bool = False) -> tuple[float, float,
                                                                                    int]:
    """Median seconds to the banner, median restore seconds, entries replayed (last start)."""
    starts, restores, replayed = [], [], 0
    for _ in range(repeat):
        server = ServeProcess(state_dir).start()
        starts.append(server.start_seconds)
        restores.append(server.replay_seconds)
        replayed = server.replayed
        if clean_stop:
            server.stop(timeout=300)
        else:
            server.kill()
    return statistics.median(starts), statistics.median(restores), replayed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=30_000)
    parser.add_argument("--polls", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as scratch:
        empty, full = Path(scratch) / "empty", Path(scratch) / "full"
        build_history(full, args.answers, args.polls)
        print(f"after the history: {journal_size(full)}")
        crashed = Path(scratch) / "crashed"
        shutil.copytree(full, crashed, ignore=shutil.ignore_patterns("lock"))
        rows = [("empty state", *time_starts(empty, args.repeat)),
                ("after a crash (newest automatic snapshot + journal tail)",
                 *time_starts(crashed, args.repeat))]
        ServeProcess(full).start().stop(timeout=300)  # a clean stop writes a snapshot
        print(f"after a clean stop: {journal_size(full)}")
        rows.append(("after a clean stop (snapshot, nothing to replay)",
                     *time_starts(full, args.repeat)))
    base = rows[0][1]
    print(f"\n| state | start to banner (median of {args.repeat}) | restore | entries replayed "
          "| vs empty |")
    print("|---|---|---|---|---|")
    for name, start, restore, replayed in rows:
        print(f"| {name} | {start:.2f} s | {restore:.2f} s | {replayed} | {start / base:.2f}× |")


if __name__ == "__main__":
    main()
