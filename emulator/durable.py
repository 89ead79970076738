"""Durable state for `gtemu serve --state-dir`: a write-ahead journal, replayed at start-up.

Every state-changing input is recorded with the moment it happened, in one SQLite transaction,
before its caller hears back (emulator.store):

* mutating requests to the AWS endpoint (S3 PUT/POST/DELETE, SageMaker Create/Update/Delete/
  Stop/AddTags..., and the labeling-job reads that move a `Stopping` job on), with their bodies;
* the engine's worker-side calls (next task, submit, decline, release, render failure);
* engine steps that time made due (task time limits, wave lifetimes, batch flushes), recorded
  only when they changed something.

All of them run under one lock (which is also every engine's lock), each on a clock frozen at
its moment (a `VirtualClock` started there), with the random ids re-seeded from the state
directory's secret and the entry's number. Replaying the journal in order on the same clocks
and seeds therefore rebuilds the same state: buckets and objects, teams, workforces, jobs,
task ids, answers, and the outputs the engine wrote.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from moto.moto_api._internal import mock_random

from emulator import ids
from emulator.clock import RealClock, VirtualClock
from emulator.jobs.engine import JobEngine
from emulator.store import Entry, Journal
from emulator.workforce import WorkerIdentity

logger = logging.getLogger(__name__)

T = TypeVar("T")
Record = tuple[str, dict[str, Any], bytes | None] | None

_READ_ACTION = re.compile(r"^(Describe|List|Get|Search|BatchDescribe|BatchGet)")
_ENVIRON_KEYS = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "RAW_URI",
                 "CONTENT_TYPE", "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT")
_UPLOAD_ID_IN_QUERY = re.compile(r"(^|&)uploadId=([^&]*)")
_UPLOAD_ID_IN_BODY = re.compile(rb"<UploadId>([^<]*)</UploadId>")


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
    """The journal of one state directory and the lock every change runs under."""

    def __init__(self, state_dir: str | Path) -> None:
        self.journal = Journal(state_dir)
        self.lock = threading.RLock()
        self.clock = JournalClock()
        self._secret = self.journal.meta("secret")
        self.ui_secret_key = self.journal.meta("ui_secret_key")
        self._replaying = False
        self._write_error: Exception | None = None
        self._upload_ids: dict[str, str] = {}  # recorded multipart upload id -> replayed one

    @property
    def broken(self) -> bool:
        """The journal could not be written; no change is accepted until a restart."""
        return self._write_error is not None

    @property
    def in_change(self) -> bool:
        return self.clock.frozen

    def change(self, action: Callable[[], T], record: Callable[[T], Record]) -> T:
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
                kind, data, body = entry
                try:
                    self.journal.append(moment, kind, data, body)
                except Exception as error:
                    # Memory is now ahead of the journal: stop changing anything, loudly.
                    logger.critical("cannot write the state directory: %s", error)
                    self._write_error = error
                    raise StateWriteError(error) from error
            return result

    def _run_at(self, moment: datetime, seq: int, action: Callable[[], T]) -> T:
        key = f"{self._secret}/{seq}"
        ids.seed(key)
        mock_random.seed(key)
        self.clock.freeze(moment)
        try:
            return action()
        finally:
            self.clock.freeze(None)

    # -- replay ------------------------------------------------------------------------------

    def replay(self, aws_app: Callable[..., Any]) -> int:
        """Apply every journaled change, in order; returns how many."""
        from emulator.state import state_for

        count = 0
        self._replaying = True
        try:
            with self.lock:
                for entry in self.journal.entries():
                    self._run_at(entry.at, entry.seq, lambda e=entry: self._apply(  # type: ignore[misc]
                        e, aws_app, state_for))
                    count += 1
        finally:
            self._replaying = False
        return count

    def _apply(self, entry: Entry, aws_app: Callable[..., Any], state_for: Any) -> None:
        data = entry.data
        if entry.kind == "http":
            self._replay_request(entry, aws_app)
            return
        engine = state_for(data["account"], data["region"]).jobs
        try:
            if entry.kind == "pump":
                JobEngine.pump(engine)
            elif entry.kind == "next_task":
                worker = WorkerIdentity(data["worker_id"], data["user_name"], data["metadata"])
                JobEngine.next_task(engine, data["job"], worker)
            elif entry.kind == "submit":
                JobEngine.submit(engine, data["task"], data["worker_id"], data["answer"],
                                 active_seconds=data["active_seconds"])
            elif entry.kind == "decline":
                JobEngine.decline(engine, data["task"], data["worker_id"])
            elif entry.kind == "release":
                JobEngine.release(engine, data["task"], data["worker_id"])
            elif entry.kind == "fail_render":
                JobEngine.fail_render(engine, data["task"], data["message"])
        except Exception as error:  # a journaled change replays as it ran; say if it does not
            logger.warning("replaying journal entry %d (%s) failed: %s", entry.seq, entry.kind,
                           error)

    def _replay_request(self, entry: Entry, aws_app: Callable[..., Any]) -> None:
        environ = dict(entry.data["environ"])
        environ["QUERY_STRING"] = _UPLOAD_ID_IN_QUERY.sub(
            lambda m: f"{m.group(1)}uploadId={self._upload_ids.get(m.group(2), m.group(2))}",
            environ.get("QUERY_STRING", ""),
        )
        body = entry.body or b""
        environ.update({
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        })
        status, _, chunks = _call(aws_app, environ)
        if int(status.split()[0]) >= 400:
            logger.warning("replaying journal entry %d (%s %s) answered %s", entry.seq,
                           environ["REQUEST_METHOD"], environ.get("PATH_INFO"), status)
        recorded_upload = entry.data.get("upload_id")
        if recorded_upload:
            found = _UPLOAD_ID_IN_BODY.search(b"".join(chunks))
            if found:
                self._upload_ids[recorded_upload] = found.group(1).decode()

    def close(self) -> None:
        self.journal.close()


# -- the AWS endpoint ------------------------------------------------------------------------


class JournalingApp:
    """WSGI middleware in front of moto: journals every request that changes state."""

    def __init__(self, app: Callable[..., Any], durability: Durability) -> None:
        self.app = app
        self.durability = durability

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[
            bytes]:
        if not changes_state(environ):
            return self.app(environ, start_response)
        body = _read_body(environ)
        recorded = {key: environ[key] for key in _ENVIRON_KEYS if key in environ}
        recorded.update({k: v for k, v in environ.items() if k.startswith("HTTP_")})

        def record(response: tuple[str, list[Any], list[bytes]]) -> Record:
            status, _, chunks = response
            if int(status.split()[0]) >= 400:
                return None
            data: dict[str, Any] = {"environ": recorded}
            if "uploads" in environ.get("QUERY_STRING", "").split("&"):
                found = _UPLOAD_ID_IN_BODY.search(b"".join(chunks))
                data["upload_id"] = found.group(1).decode() if found else None
            return "http", data, body

        status, headers, chunks = self.durability.change(
            lambda: _call(self.app, environ), record
        )
        start_response(status, headers)
        return chunks


def changes_state(environ: dict[str, Any]) -> bool:
    """Whether a request to the AWS endpoint may change state (and so is journaled)."""
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    action = target.rpartition(".")[2]
    # Reading a `Stopping` labeling job moves it on (spec §1.6), so those reads are changes.
    return not (action and _READ_ACTION.match(action) and "LabelingJob" not in action)


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = False
    return body


def _call(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[str, list[Any], list[bytes]]:
    """Run a WSGI app to the end; its status, headers and body."""
    response: list[Any] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> Callable[
            [bytes], None]:
        response[:] = [status, headers]
        return chunks.append

    chunks: list[bytes] = []
    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return response[0], response[1], chunks


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
            lambda outcome: ("pump", self._where(), None) if outcome[1] else None,
        )

    def next_task(self, job_name: str, worker: Any) -> Any:
        if self.durability.in_change:
            return JobEngine.next_task(self, job_name, worker)
        data = {**self._where(), "job": job_name, "worker_id": worker.worker_id,
                "user_name": worker.user_name, "metadata": worker.metadata}
        task, _ = self.durability.change(
            self._if_changed(lambda: JobEngine.next_task(self, job_name, worker)),
            lambda outcome: ("next_task", data, None) if outcome[1] else None,
        )
        return task

    def submit(self, task_id: str, worker_id: str, answer: dict[str, Any], *,
               active_seconds: float | None = None) -> None:
        data = {**self._where(), "task": task_id, "worker_id": worker_id, "answer": answer,
                "active_seconds": active_seconds}
        self.durability.change(
            lambda: JobEngine.submit(self, task_id, worker_id, answer,
                                     active_seconds=active_seconds),
            lambda _: ("submit", data, None),
        )

    def decline(self, task_id: str, worker_id: str) -> None:
        data = {**self._where(), "task": task_id, "worker_id": worker_id}
        self.durability.change(lambda: JobEngine.decline(self, task_id, worker_id),
                               lambda _: ("decline", data, None))

    def release(self, task_id: str, worker_id: str) -> None:
        data = {**self._where(), "task": task_id, "worker_id": worker_id}
        self.durability.change(lambda: JobEngine.release(self, task_id, worker_id),
                               lambda _: ("release", data, None))

    def fail_render(self, task_id: str, message: str) -> None:
        data = {**self._where(), "task": task_id, "message": message}
        self.durability.change(lambda: JobEngine.fail_render(self, task_id, message),
                               lambda _: ("fail_render", data, None))


def open_state_dir(
    state_dir: str | Path,
    aws_app: Callable[..., Any],
    *,
    install_clock: Callable[[JournalClock], Any],
) -> tuple[Durability, int, float]:
    """Open the journal, reset moto's backends, install the journal's clock, make new engines
    journal their changes, and replay the journal. Returns the durability, the number of changes
    replayed and the seconds the replay took."""
    from moto.moto_api._internal.models import moto_api_backend

    from emulator import state

    durability = Durability(state_dir)
    moto_api_backend.reset()
    install_clock(durability.clock)
    state.engine_factory = lambda account, region, workforce: DurableJobEngine(
        account, region, workforce, durability)
    started = time.perf_counter()
    try:
        count = durability.replay(aws_app)
    except BaseException:
        close_state_dir(durability)
        raise
    return durability, count, time.perf_counter() - started


def close_state_dir(durability: Durability) -> None:
    from emulator import state

    state.engine_factory = None
    durability.close()
