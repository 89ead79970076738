"""A damaged state directory never starts silently: one line says what is wrong and what to do;
`--recover` keeps everything up to the last good change and moves the rest aside."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.server import GtemuServer
from emulator.store import DATABASE_NAME, SNAPSHOTS_DIR, StateDirError, entry_checksum

from .helpers import answer_some, serve, start_job, state_digest


def _completed_state(state_dir: Path, *, snapshot_every: int | None = None) -> dict:
    with GtemuServer(port=0, ui_port=0, state_dir=state_dir,
                     snapshot_every=snapshot_every) as server:
        start_job(server, "damaged", objects=3, workers=1)
        assert answer_some(server, "damaged", "ann", 3) == 3
        return state_digest(server)


def _refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The one line `gtemu serve` printed before stopping."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _submit_seqs(state_dir: Path) -> list[int]:
    with sqlite3.connect(state_dir / DATABASE_NAME) as db:
        return [seq for (seq,) in db.execute(
            "SELECT seq FROM journal WHERE kind = 'submit' ORDER BY seq")]


def test_a_flipped_digit_stops_start_up_and_recover_keeps_what_came_before(
    tmp_path: Path,
) -> None:
    _completed_state(tmp_path)
    last_submit = _submit_seqs(tmp_path)[-1]
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        (data,) = db.execute("SELECT data FROM journal WHERE seq = ?", (last_submit,)).fetchone()
        db.execute("UPDATE journal SET data = ? WHERE seq = ?",
                   (data.replace("circle", "cirdle"), last_submit))
    line = _refused(serve("--state-dir", str(tmp_path)), f"journal entry {last_submit} (submit",
                    "checksum", f"gtemu serve --state-dir {tmp_path} --recover")
    assert "changed nothing" in line
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path, recover=True) as server:
        [aside] = server.set_aside
        digest = state_digest(server)
    assert digest["jobs"]["damaged"]["LabelingJobStatus"] == "InProgress"
    answers = [t for t in digest["tasks"]["damaged"] if t[3] == "submitted"]
    assert len(answers) == 2  # the two answers before the damaged entry
    with sqlite3.connect(aside) as db:
        moved = [seq for (seq,) in db.execute("SELECT seq FROM journal ORDER BY seq")]
    assert moved[0] == last_submit


def test_an_entry_that_replays_differently_stops_start_up(tmp_path: Path) -> None:
    _completed_state(tmp_path)
    seq = _submit_seqs(tmp_path)[0]
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        row = db.execute("SELECT at, kind, data, body, body_ref FROM journal WHERE seq = ?",
                         (seq,)).fetchone()
        at, kind, data, body, body_ref = row
        changed = json.loads(data)
        changed["task"] = "no-such-task"  # well-formed, checksummed, and wrong
        text = json.dumps(changed, separators=(",", ":"))
        db.execute("UPDATE journal SET data = ?, checksum = ? WHERE seq = ?",
                   (text, entry_checksum(seq, at, kind, text, body, body_ref,
                                         db.execute("SELECT result FROM journal WHERE seq = ?",
                                                    (seq,)).fetchone()[0]), seq))
    _refused(serve("--state-dir", str(tmp_path)), f"journal entry {seq} (submit",
             "replaying it failed", "--recover")


def test_a_damaged_snapshot_stops_start_up_and_recover_falls_back(tmp_path: Path) -> None:
    expected = _completed_state(tmp_path, snapshot_every=4)
    snapshots = sorted((tmp_path / SNAPSHOTS_DIR).glob("snapshot-*.gtemu"))
    newest = snapshots[-1]
    raw = bytearray(newest.read_bytes())
    raw[-10] ^= 0x01
    newest.write_bytes(bytes(raw))
    _refused(serve("--state-dir", str(tmp_path)), newest.name, "checksum", "--recover")
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path, recover=True) as server:
        assert any(path.name == newest.name for path in server.set_aside)
        assert server.replayed_changes > 0  # the older snapshot, then the journal after it
        assert state_digest(server) == expected


def test_a_zero_length_database_is_named(tmp_path: Path) -> None:
    (tmp_path / DATABASE_NAME).write_bytes(b"")
    _refused(serve("--state-dir", str(tmp_path)), "is empty (0 bytes)", DATABASE_NAME)


def test_a_file_that_is_not_sqlite_is_named(tmp_path: Path) -> None:
    (tmp_path / DATABASE_NAME).write_text("these are my notes, not a database\n" * 100)
    _refused(serve("--state-dir", str(tmp_path)), "is not a gtemu state database")


def test_a_truncated_database_is_named_and_recover_keeps_what_can_be_read(
    tmp_path: Path,
) -> None:
    _completed_state(tmp_path)
    path = tmp_path / DATABASE_NAME
    with sqlite3.connect(path) as db:  # bodies inline make the file many pages long
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 8
    os.truncate(path, path.stat().st_size // 2)
    _refused(serve("--state-dir", str(tmp_path)), "is damaged", "--recover")
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path, recover=True) as server:
        [aside] = server.set_aside
        assert (aside / DATABASE_NAME).exists()  # the damaged file, kept for a closer look
    # The salvaged journal starts cleanly from now on.
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path) as server:
        assert server.set_aside == []


@contextlib.contextmanager
def _mounted(*options: str, source: str = "tmpfs", target: Path) -> Iterator[bool]:
    """Mount (as root); False if this machine does not allow it."""
    done = subprocess.run(["mount", *options, source, str(target)], capture_output=True)
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", str(target)], check=True)


def test_a_read_only_state_dir_is_named(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _completed_state(state)
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    with _mounted("--bind", source=str(state), target=read_only) as bound:
        if bound:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(read_only)], check=True)
            result = serve("--state-dir", str(read_only))
        else:  # no mounts here: a directory the server's user may not write
            shutil.copytree(state, read_only, dirs_exist_ok=True)
            os.chmod(read_only, 0o555)
            result = subprocess.run(
                ["python", "-m", "emulator.cli", "serve", "--port", "0", "--ui-port", "0",
                 "--state-dir", str(read_only)], capture_output=True, text=True, timeout=120,
                user=65534)
        _refused(result, f"cannot write to {read_only}", "make it writable")


def test_a_full_disk_is_named(tmp_path: Path) -> None:
    small = tmp_path / "small-disk"
    small.mkdir()
    with _mounted("-t", "tmpfs", "-o", "size=256k", target=small) as mounted:
        if mounted:
            descriptor = os.open(small / "filler", os.O_WRONLY | os.O_CREAT)
            with contextlib.suppress(OSError):
                while True:
                    os.write(descriptor, b"\0" * 4096)
            os.close(descriptor)
            result = serve("--state-dir", str(small / "state"))
            _refused(result, "is full", "free some space")
        else:  # no mounts here: a file size limit makes every write fail the same way
            def limit() -> None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

            result = subprocess.run(
                ["python", "-m", "emulator.cli", "serve", "--port", "0", "--ui-port", "0",
                 "--state-dir", str(small / "state")], capture_output=True, text=True,
                timeout=120, preexec_fn=limit)
            _refused(result, "cannot")


def test_in_python_the_refusal_is_a_state_dir_error(tmp_path: Path) -> None:
    (tmp_path / DATABASE_NAME).write_bytes(b"")
    with pytest.raises(StateDirError, match="is empty"):
        GtemuServer(port=0, ui_port=0, state_dir=tmp_path).start()
