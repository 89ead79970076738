"""Durable state for `gtemu serve --state-dir`: a write-ahead journal, snapshots, replay.

Every state-changing input is recorded with the moment it happened and what it answered, in
one SQLite transaction, before its caller hears back (emulator.store):

* mutating requests to the AWS endpoint (emulator.journaling_app; reads never are);
* the engine's worker-side calls (next task, submit, decline, release, render failure);
* engine steps that time made due (task time limits, wave lifetimes, batch flushes, a
  `Stopping` job that a read found due), recorded only when they changed something.

All of them run under one lock (which is also every engine's lock), each on a clock frozen at
its moment (a `VirtualClock` started there), with the random ids re-seeded from the state
directory's secret and the entry's number. Every 1,000 entries the whole state is written as a
snapshot (emulator.snapshot) and the journal compacted; start-up loads the newest snapshot and
replays the entries after it on the same clocks and seeds, checking each entry's checksum and
recorded result, so a damaged directory never starts silently (`--recover` sets the damage
aside). See docs/durability.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from emulator import ids, moto_adapter, runtime
from emulator.clock import RealClock, VirtualClock
from emulator.jobs.engine import JobEngine, LabelingJob
from emulator.journaling_app import UPLOAD_ID_IN_BODY, UPLOAD_ID_IN_QUERY, call_wsgi_with_body
from emulator.snapshot import (
    SnapshotError,
    SnapshotInfo,
    load_snapshot,
    paused_gc,
    peek_header,
    snapshot_paths,
    write_snapshot,
)
from emulator.store import (
    DamagedDatabase,
    Entry,
    Journal,
    Record,
    StateDirError,
    os_error_message,
    recover_hint,
    salvage_database,
)
from emulator.workforce import WorkerIdentity

logger = logging.getLogger(__name__)

T = TypeVar("T")

SNAPSHOT_EVERY = 1000  # journal entries between snapshots
KEPT_SNAPSHOTS = 2  # the newest, and the one before it for --recover



class StateWriteError(Exception):
    """The journal could not be written (disk full, ...): gtemu refuses every further change
    until it is restarted, so that nothing is acknowledged that a restart would not bring back."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"gtemu cannot write its state directory ({cause}); restart it")


class JournalClock:
    """Real time, except inside a journaled change, where the changing thread reads a virtual
    clock started at the change's moment (so a replay reads the very same times)."""

    def __init__(self) -> None:
        self._real = RealClock()
        self._local = threading.local()

    def now(self) -> datetime:
        frozen = getattr(self._local, "clock", None)
        return self._real.now() if frozen is None else frozen.now()

    def advance(self, seconds: float) -> None:
        self._real.advance(seconds)

    def freeze(self, moment: datetime | None) -> None:
        self._local.clock = None if moment is None else VirtualClock(moment)

    @property
    def frozen(self) -> bool:
        return getattr(self._local, "clock", None) is not None


class Durability:
    """The journal and snapshots of one state directory, and the lock every change runs under.

    `snapshot_every`: write a snapshot (and compact the journal) once this many entries have
    been journaled since the last one; None: only when `snapshot()` is called."""

    def __init__(self, state_dir: str | Path, *, recover: bool = False,
                 snapshot_every: int | None = SNAPSHOT_EVERY) -> None:
        self.state_dir = Path(state_dir)
        self.recover = recover
        self.snapshot_every = snapshot_every
        self.set_aside: list[Path] = []  # what --recover moved aside
        self.journal = self._open_journal()
        self.lock = threading.RLock()
        self.clock = JournalClock()
        self._secret = self.journal.meta("secret")
        self.ui_secret_key = self.journal.meta("ui_secret_key")
        self._replaying = False
        self._write_error: Exception | None = None
        self._upload_ids: dict[str, str] = {}  # recorded multipart upload id -> replayed one
        self.snapshots: list[SnapshotInfo] = []  # the kept ones, newest first
        self._body_cache: dict[tuple[Any, ...], str] = {}

    def _open_journal(self) -> Journal:
        try:
            return Journal(self.state_dir)
        except DamagedDatabase:
            if not self.recover:
                raise
        salvage_database(self.state_dir, self._aside_dir())
        self.set_aside.append(self._aside_dir())
        return Journal(self.state_dir)

    def _aside_dir(self) -> Path:
        if not getattr(self, "_aside", None):
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            self._aside = self.state_dir / "set-aside" / stamp
            self._aside.mkdir(parents=True, exist_ok=True)
        return self._aside

    @property
    def shared(self) -> dict[str, Any]:
        """Objects of the running server that snapshots refer to instead of saving."""
        return {"durability": self, "durable-lock": self.lock}

    @property
    def broken(self) -> bool:
        """The journal could not be written; no change is accepted until a restart."""
        return self._write_error is not None

    @property
    def in_change(self) -> bool:
        return self.clock.frozen

    def change(self, action: Callable[[], T], record: Callable[[T], Record | None]) -> T:
        """Run `action` as one change; journal what `record` makes of its result (None: nothing
        to journal). An exception from `action` journals nothing."""
        if self.in_change:
            return action()
        with self.lock:
            if self._write_error is not None:
                raise StateWriteError(self._write_error)
            moment = self.clock._real.now()
            seq = self.journal.last_seq + 1
            result = self._run_at(moment, seq, action)
            entry = record(result)
            if entry is not None:
                try:
                    self.journal.append(moment, entry.kind, entry.data, entry.body,
                                        body_ref=entry.body_ref, result=entry.result)
                except Exception as error:
                    # Memory is now ahead of the journal: stop changing anything, loudly.
                    logger.critical("cannot write the state directory: %s", error)
                    self._write_error = error
                    raise StateWriteError(error) from error
            return result

    def _run_at(self, moment: datetime, seq: int, action: Callable[[], T]) -> T:
        key = f"{self._secret}/{seq}"
        ids.seed(key)
        moto_adapter.seed_random(key)
        self.clock.freeze(moment)
        try:
            return action()
        finally:
            self.clock.freeze(None)

    # -- snapshots -----------------------------------------------------------------------------

    def snapshot_if_due(self) -> None:
        if self.snapshot_every is None or self.broken:
            return
        newest = self.snapshots[0].seq if self.snapshots else 0
        if self.journal.last_seq - newest >= self.snapshot_every:
            self.snapshot()

    def snapshot(self) -> SnapshotInfo | None:
        """Write a snapshot of the whole state and compact: the journal keeps only the entries
        after the snapshot before this one (so `--recover` can fall back one snapshot)."""
        with self.lock:
            seq = self.journal.last_seq
            if self.broken or (self.snapshots and self.snapshots[0].seq == seq):
                return None
            try:
                info = write_snapshot(self.journal.snapshot_dir, self.journal.bodies, seq,
                                      self.clock._real.now(), self.shared, self._body_cache)
                self.snapshots.insert(0, info)
                for old in self.snapshots[KEPT_SNAPSHOTS:]:
                    old.path.unlink(missing_ok=True)
                del self.snapshots[KEPT_SNAPSHOTS:]
                if len(self.snapshots) == KEPT_SNAPSHOTS:
                    self.journal.delete_through(self.snapshots[-1].seq)
                kept = set(self.journal.body_refs())
                for snapshot in self.snapshots:
                    kept |= snapshot.bodies
                self.journal.bodies.keep_only(kept)
            except (OSError, sqlite3.Error) as error:
                # The journal still holds everything: a failed snapshot loses nothing.
                logger.error("cannot write a snapshot: %s", os_error_message(self.state_dir,
                                                                             error))
                return None
            except Exception:  # an object that does not pickle: the journal still has it all
                logger.exception("cannot write a snapshot; the journal keeps every change")
                return None
            return info

    # -- start-up ------------------------------------------------------------------------------

    def restore(self, aws_app: Callable[..., Any]) -> int:
        """Load the newest usable snapshot and replay the journal after it; returns how many
        entries were replayed. A damaged snapshot or entry, or one that replays differently,
        stops start-up (StateDirError) unless `recover`, which sets it and what follows aside."""
        paths = snapshot_paths(self.journal.snapshot_dir)
        base = 0
        for path in paths:
            moto_adapter.reset_backends()
            try:
                info = load_snapshot(path, self.journal.bodies, self.shared)
            except SnapshotError as error:
                if not self.recover:
                    raise StateDirError(f"{error}; to start from the snapshot before it (or the "
                                        f"journal), run: {recover_hint(self.state_dir)}") from None
                logger.warning("--recover: setting %s aside: %s", path.name, error)
                os.replace(path, self._aside_dir() / path.name)
                self.set_aside.append(self._aside_dir() / path.name)
                continue
            self.snapshots.append(info)
            base = info.seq
            break
        else:
            moto_adapter.reset_backends()
        self._remember_older_snapshots(paths, base)
        first = self.journal.first_seq()
        if first is not None and first > base + 1:
            raise StateDirError(
                f"the journal in {self.journal.path} starts at entry {first}, but the newest "
                f"usable snapshot holds entries up to {base}: entries {base + 1}..{first - 1} "
                "are gone. Restore the state directory from a backup, or move it away to start "
                "afresh")
        try:
            return self._replay(aws_app, base)
        except DamagedDatabase:
            if not self.recover or getattr(self, "_salvaged", False):
                raise
        # --recover on a journal file SQLite cannot read to the end: rebuild it from the rows
        # it can read (the damaged file goes aside), then start over.
        self._salvaged = True
        self.journal.close()
        salvage_database(self.state_dir, self._aside_dir())
        self.set_aside.append(self._aside_dir())
        self.journal = Journal(self.state_dir)
        self.snapshots.clear()
        return self.restore(aws_app)

    def _remember_older_snapshots(self, paths: list[Path], base: int) -> None:
        """Keep track of the snapshot before the loaded one (compaction keeps it)."""
        for path in paths:
            seq = int(path.stem.split("-")[1])
            header = peek_header(path) if seq < base else None
            if header is None or len(self.snapshots) >= KEPT_SNAPSHOTS:
                continue
            try:
                at = datetime.fromisoformat(header["at"])
                bodies = frozenset(header.get("bodies", ()))
            except (KeyError, TypeError, ValueError):
                continue  # a damaged older snapshot: compaction will simply drop it
            self.snapshots.append(SnapshotInfo(path, seq, at, bodies))

    def _replay(self, aws_app: Callable[..., Any], after: int) -> int:
        from emulator.state import state_for

        count = 0
        self._replaying = True
        try:
            with self.lock, paused_gc():
                try:
                    for entry in self.journal.entries(after):
                        problem = self._check(entry)
                        if problem is None:
                            problem = self._run_at(entry.at, entry.seq, lambda e=entry: (  # type: ignore[misc]
                                self._apply(e, aws_app, state_for)))
                        if problem is not None:
                            self._damaged(entry, problem)
                            break
                        count += 1
                except sqlite3.DatabaseError as error:
                    raise self.journal.database_error(error) from None
        finally:
            self._replaying = False
        return count

    def _check(self, entry: Entry) -> str | None:
        if not entry.intact:
            return "its checksum does not match (the file was changed or damaged)"
        if entry.body_ref and not self.journal.bodies.intact(entry.body_ref):
            return f"its body file {self.journal.bodies.path(entry.body_ref)} is missing or damaged"
        return None

    def _damaged(self, entry: Entry, problem: str) -> None:
        total = self.journal.last_seq
        where = f"journal entry {entry.seq} ({entry.kind} of {entry.at.isoformat()})"
        if not self.recover:
            raise StateDirError(
                f"{where} in {self.journal.path}: {problem}. gtemu did not start, and changed "
                f"nothing. To keep the changes before it and move entries {entry.seq}..{total} "
                f"aside, run: {recover_hint(self.state_dir)}")
        destination = self._aside_dir() / "journal-entries.sqlite3"
        moved = self.journal.move_aside(entry.seq, destination)
        self.set_aside.append(destination)
        logger.warning("--recover: %s: %s; %d entries moved to %s", where, problem, moved,
                       destination)

    def _apply(self, entry: Entry, aws_app: Callable[..., Any], state_for: Any) -> str | None:
        """Apply one entry; a description of what went wrong, or None."""
        data = entry.data
        if entry.kind == "http":
            status = self._replay_request(entry, aws_app)
            if entry.result is not None and status != entry.result:
                return f"replaying it answered HTTP {status}; it had answered {entry.result}"
            if status >= "400":
                return f"replaying it answered HTTP {status}"
            return None
        engine = state_for(data["account"], data["region"]).jobs
        task_id = None
        try:
            if entry.kind == "pump":
                JobEngine.pump(engine)
            elif entry.kind == "next_task":
                worker = WorkerIdentity(data["worker_id"], data["user_name"], data["metadata"])
                task = JobEngine.next_task(engine, data["job"], worker)
                task_id = None if task is None else task.task_id
            elif entry.kind == "submit":
                JobEngine.submit(engine, data["task"], data["worker_id"], data["answer"],
                                 active_seconds=data["active_seconds"])
            elif entry.kind == "decline":
                JobEngine.decline(engine, data["task"], data["worker_id"])
            elif entry.kind == "release":
                JobEngine.release(engine, data["task"], data["worker_id"])
            elif entry.kind == "reported":
                JobEngine.mark_reported(engine, data["job"])
            elif entry.kind == "fail_render":
                JobEngine.fail_render(engine, data["task"], data["message"])
            else:
                return f"gtemu does not know the kind {entry.kind!r}"
        except Exception as error:  # a journaled change replays as it ran; say if it does not
            return f"replaying it failed ({type(error).__name__}: {error})"
        result = engine_result(engine, task_id)
        if entry.result is not None and result != entry.result:
            return ("replaying it did not reproduce the state it had recorded "
                    f"({result} instead of {entry.result})")
        return None

    def _replay_request(self, entry: Entry, aws_app: Callable[..., Any]) -> str:
        environ = dict(entry.data["environ"])
        environ["QUERY_STRING"] = UPLOAD_ID_IN_QUERY.sub(
            lambda m: f"{m.group(1)}uploadId={self._upload_ids.get(m.group(2), m.group(2))}",
            environ.get("QUERY_STRING", ""),
        )
        with contextlib.ExitStack() as stack:
            if entry.body_ref:
                path = self.journal.bodies.path(entry.body_ref)
                stream: Any = stack.enter_context(open(path, "rb"))
                environ["CONTENT_LENGTH"] = str(path.stat().st_size)
            else:
                stream = io.BytesIO(entry.body or b"")
            environ.update({
                "wsgi.input": stream,
                "wsgi.errors": sys.stderr,
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "http",
                "wsgi.multithread": False,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
                # werkzeug reads the stream as it is when this key is present, whatever its
                # value: in one read instead of 64 KiB at a time. The body ends where the file
                # or bytes end. The live request has the same key (JournalingApp._take_body).
                "wsgi.input_terminated": False,
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1",
            })
            status, _, chunks = call_wsgi_with_body(aws_app, environ, self.journal.bodies,
                                                    entry.body_ref)
        recorded_upload = entry.data.get("upload_id")
        if recorded_upload:
            found = UPLOAD_ID_IN_BODY.search(b"".join(chunks))
            if found:
                self._upload_ids[recorded_upload] = found.group(1).decode()
        return status.split()[0]

    def close(self) -> None:
        self.journal.close()


def engine_result(engine: JobEngine, task_id: str | None = None) -> str:
    """What an engine change leaves behind, in a few characters: the task it handed out and a
    hash of every job's status and counters. Replay must come to the same."""
    fingerprint = DurableJobEngine._fingerprint(engine)  # type: ignore[arg-type]
    # Moments are left out: what must come out the same is what happened, not when.
    counted = [part for part in fingerprint if not isinstance(part, datetime)]
    digest = hashlib.sha256(repr(counted).encode()).hexdigest()[:16]
    return digest if task_id is None else f"{task_id}:{digest}"


# -- the engine ----------------------------------------------------------------------------


class DurableJobEngine(JobEngine):
    """A `JobEngine` whose changes are journaled; it shares the durable lock."""

    def __init__(self, account_id: str, region: str, workforce: Any,
                 durability: Durability) -> None:
        super().__init__(account_id, region, workforce)
        self.lock = durability.lock
        self.durability = durability

    def _where(self) -> dict[str, Any]:
        return {"account": self.account_id, "region": self.region}

    def _fingerprint(self) -> tuple[Any, ...]:
        """Cheap evidence that an engine step changed something."""
        parts: list[Any] = []
        for job in self._jobs.values():
            parts.append(job.status)
            run = job.run
            if run is not None:
                parts.extend((run.wave, run.next_queued, len(run.objects), len(run.tasks),
                              len(run.open_task_of),
                              len(run.pending), run.labeled, run.failed, run.wave_deadline))
        return tuple(parts)

    def _if_changed(self, action: Callable[[], T]) -> Callable[[], tuple[T, bool]]:
        def run() -> tuple[T, bool]:
            before = self._fingerprint()
            result = action()
            return result, self._fingerprint() != before
        return run

    def pump(self) -> None:
        if self.durability.in_change:
            JobEngine.pump(self)
            return
        if self.durability.broken:
            return  # time stands still; reads still answer from memory
        self.durability.change(
            self._if_changed(lambda: JobEngine.pump(self)),
            lambda outcome: Record("pump", self._where(), result=engine_result(self))
            if outcome[1] else None,
        )

    def _job_reported(self, job: LabelingJob) -> None:
        """A read showed the job `Initializing` or `Stopping`: journaled, because it decides
        when a later engine step settles the job (a replay without it would settle later)."""
        if self.durability.in_change:
            job.mark_reported()
            return
        if self.durability.broken:
            return  # nothing is journaled any more, so nothing may change
        data = {**self._where(), "job": job.name}
        self.durability.change(job.mark_reported,
                               lambda _: Record("reported", data, result=engine_result(self)))

    def next_task(self, job_name: str, worker: Any) -> Any:
        if self.durability.in_change:
            return JobEngine.next_task(self, job_name, worker)
        data = {**self._where(), "job": job_name, "worker_id": worker.worker_id,
                "user_name": worker.user_name, "metadata": worker.metadata}
        task, _ = self.durability.change(
            self._if_changed(lambda: JobEngine.next_task(self, job_name, worker)),
            lambda outcome: Record("next_task", data, result=engine_result(
                self, None if outcome[0] is None else outcome[0].task_id))
            if outcome[1] else None,
        )
        return task

    def submit(self, task_id: str, worker_id: str, answer: dict[str, Any], *,
               active_seconds: float | None = None) -> None:
        data = {**self._where(), "task": task_id, "worker_id": worker_id, "answer": answer,
                "active_seconds": active_seconds}
        self.durability.change(
            lambda: JobEngine.submit(self, task_id, worker_id, answer,
                                     active_seconds=active_seconds),
            lambda _: Record("submit", data, result=engine_result(self)),
        )

    def decline(self, task_id: str, worker_id: str) -> None:
        data = {**self._where(), "task": task_id, "worker_id": worker_id}
        self.durability.change(lambda: JobEngine.decline(self, task_id, worker_id),
                               lambda _: Record("decline", data, result=engine_result(self)))

    def release(self, task_id: str, worker_id: str) -> None:
        data = {**self._where(), "task": task_id, "worker_id": worker_id}
        self.durability.change(lambda: JobEngine.release(self, task_id, worker_id),
                               lambda _: Record("release", data, result=engine_result(self)))

    def fail_render(self, task_id: str, message: str) -> None:
        data = {**self._where(), "task": task_id, "message": message}
        self.durability.change(lambda: JobEngine.fail_render(self, task_id, message),
                               lambda _: Record("fail_render", data, result=engine_result(self)))


def open_state_dir(
    state_dir: str | Path,
    aws_app: Callable[..., Any],
    *,
    install_clock: Callable[[JournalClock], Any],
    recover: bool = False,
    snapshot_every: int | None = SNAPSHOT_EVERY,
) -> tuple[Durability, int, float]:
    """Open the state directory, install the journal's clock, make new engines journal their
    changes, load the newest snapshot and replay the journal after it. Returns the durability,
    the number of entries replayed and the seconds the restore took. Raises StateDirError
    (one line, saying what to do) if the directory cannot be used. The engines are the
    current runtime's (`emulator.runtime.current()`, the server's)."""
    durability = Durability(state_dir, recover=recover, snapshot_every=snapshot_every)
    install_clock(durability.clock)
    runtime.current().engine_factory = lambda account, region, workforce: DurableJobEngine(
        account, region, workforce, durability)
    started = time.perf_counter()
    try:
        count = durability.restore(aws_app)
    except BaseException:
        close_state_dir(durability)
        raise
    seconds = time.perf_counter() - started
    durability.snapshot_if_due()  # a long tail: the next start need not replay it again
    return durability, count, seconds


def close_state_dir(durability: Durability, *, snapshot: bool = False) -> None:
    """Close the state directory (after a last snapshot, if `snapshot` and any is due)."""
    if snapshot and durability.snapshot_every is not None:
        durability.snapshot()
    runtime.current().engine_factory = None
    durability.close()
