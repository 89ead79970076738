"""Snapshots: a restart loads the state, not its history; compaction changes nothing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from emulator.server import GtemuServer
from emulator.store import DATABASE_NAME, SNAPSHOTS_DIR

from .helpers import answer_some, start_job, state_digest


def _entries(state_dir: Path) -> int:
    with sqlite3.connect(state_dir / DATABASE_NAME) as db:
        return db.execute("SELECT count(*) FROM journal").fetchone()[0]


def test_snapshot_and_tail_give_the_state_of_a_full_replay(tmp_path: Path) -> None:
    with_snapshot = tmp_path / "with-snapshot"
    with GtemuServer(port=0, ui_port=0, state_dir=with_snapshot, snapshot_every=None) as server:
        start_job(server, "compacted", objects=6, workers=2, TaskTimeLimitInSeconds=300)
        assert answer_some(server, "compacted", "ann", 4) == 4
        server.snapshot()  # in the middle of the job: a task held, answers pending
        assert answer_some(server, "compacted", "ann", 2) == 2
        assert answer_some(server, "compacted", "bob", 3) == 3
    # The same directory without its snapshot: the journal holds the whole history.
    full_replay = tmp_path / "full-replay"
    shutil.copytree(with_snapshot, full_replay, ignore=shutil.ignore_patterns("lock"))
    shutil.rmtree(full_replay / SNAPSHOTS_DIR)
    total = _entries(with_snapshot)

    with GtemuServer(port=0, ui_port=0, state_dir=with_snapshot, snapshot_every=None) as server:
        assert 0 < server.replayed_changes < total  # the tail after the snapshot only
        after_snapshot = state_digest(server)
    with GtemuServer(port=0, ui_port=0, state_dir=full_replay, snapshot_every=None) as server:
        assert server.replayed_changes == total
        after_full_replay = state_digest(server)
    assert after_snapshot["tasks"]["compacted"]  # the digest holds the job's tasks and answers
    assert after_snapshot == after_full_replay


def test_a_restart_after_a_snapshot_replays_nothing_and_the_journal_is_compacted(
    tmp_path: Path,
) -> None:
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path, snapshot_every=5) as server:
        start_job(server, "compact", objects=4, workers=1)
        assert answer_some(server, "compact", "ann", 4) == 4
        before = state_digest(server)
    # Stopping wrote a snapshot; two are kept, and only the entries after the older one.
    snapshots = sorted((tmp_path / SNAPSHOTS_DIR).glob("snapshot-*.gtemu"))
    assert len(snapshots) == 2
    older = int(snapshots[0].stem.split("-")[1])
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        first = db.execute("SELECT min(seq) FROM journal").fetchone()[0]
    assert first is None or first > older
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path) as server:
        assert server.replayed_changes == 0
        assert state_digest(server) == before
        assert before["jobs"]["compact"]["LabelingJobStatus"] == "Completed"
