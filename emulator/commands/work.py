"""`gtemu work`: simulated workers label a job of a running gtemu through the workers' JSON API.

Each simulated worker is a thread that asks for the next task, answers it and submits the
answer over HTTP (the same API the worker portal uses, docs/workers.md), until the job ends.
A plain-text progress bar goes to stderr, a summary to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from emulator.commands.arguments import http_url, int_between, probability
from emulator.jobs.job import COMPLETED, STOPPED, TERMINAL_STATUSES
from emulator.store import default_state_dir
from emulator.worker_token import TOKEN_ENV, authorization_header, token_of_state_dir

if TYPE_CHECKING:
    from emulator.simulate import NoisyWorker, Truth, Worker

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


class WorkerApiError(Exception):
    """The worker API answered with an error, or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class RemoteTask:
    """A task as the worker JSON API hands it out; simulated workers answer it like an engine
    task."""

    task_id: str
    job_name: str
    dataset_object_id: str
    input: dict
    categories: list[str] | None
    deadline: str | None
    answer_element: dict | None = None
    #: The crowd elements of the task's rendered page (tag and attributes), for the registry.
    elements: list | None = None
    image_size: tuple[int, int] | None = None

    @classmethod
    def from_json(cls, body: dict) -> RemoteTask:
        return cls(
            task_id=body["taskId"],
            job_name=body.get("jobName", ""),
            dataset_object_id=str(body.get("datasetObjectId", "")),
            input=body.get("input") or {},
            categories=body.get("categories"),
            deadline=body.get("deadline"),
            answer_element=body.get("answerElement"),
            elements=body.get("elements"),
            image_size=_image_size(body.get("imageSize")),
        )


def _image_size(value: Any) -> tuple[int, int] | None:
    if isinstance(value, dict) and isinstance(value.get("width"), int) and isinstance(
        value.get("height"), int
    ):
        return value["width"], value["height"]
    return None


class WorkerApiClient:
    """A small client of the workers' JSON API (`/api/v1/`) of `gtemu serve`."""

    def __init__(
        self,
        endpoint: str,
        *,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        timeout: float = 10.0,
        token: str | None = None,
    ) -> None:
        self.base = endpoint.rstrip("/") + "/api/v1"
        self.token = token
        self.account = account
        self.region = region
        self.timeout = timeout

    def jobs(self, worker: str) -> list[dict]:
        query = urllib.parse.urlencode(
            {"worker": worker, "account": self.account, "region": self.region}
        )
        status, body = self._request("GET", f"/jobs?{query}")
        return body["jobs"]

    def job(self, job_name: str, worker: str) -> dict | None:
        wanted = job_name.lower()
        return next((job for job in self.jobs(worker) if job["name"].lower() == wanted), None)

    def next_task(self, job_name: str, worker: str) -> RemoteTask | None:
        """The next task for `worker`; None when there is none for now.

        Raises WorkerApiError with status 410 once the job has ended.
        """
        path = f"/jobs/{urllib.parse.quote(job_name, safe='')}/tasks/next"
        status, body = self._request("POST", path, {"worker": worker})
        return None if status == 204 else RemoteTask.from_json(body)

    def submit(self, task_id: str, worker: str, answer: dict) -> None:
        self._task_action(task_id, "submit", {"worker": worker, "answer": answer})

    def decline(self, task_id: str, worker: str) -> None:
        self._task_action(task_id, "decline", {"worker": worker})

    def release(self, task_id: str, worker: str) -> None:
        self._task_action(task_id, "release", {"worker": worker})

    def _task_action(self, task_id: str, action: str, body: dict) -> None:
        self._request("POST", f"/tasks/{urllib.parse.quote(task_id, safe='')}/{action}", body)

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        data = None
        headers = {"Accept": "application/json"}
        if self.token:
            headers.update(authorization_header(self.token))
        if body is not None:
            data = json.dumps({**body, "account": self.account, "region": self.region}).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raise WorkerApiError(_error_message(error), error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise WorkerApiError(f"cannot reach {self.base}: {reason}") from None


def _error_message(error: urllib.error.HTTPError) -> str:
    try:
        return json.loads(error.read())["message"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {error.code} {error.reason}"


@dataclass
class CrowdReport:
    """What a crowd did on one job."""

    answers: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    idle: set = field(default_factory=set)  # workers whose last ask found no task
    gave_up: set = field(default_factory=set)  # workers that stopped before the job ended
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set_idle(self, worker: str, idle: bool) -> None:
        with self.lock:
            (self.idle.add if idle else self.idle.discard)(worker)

    def count(self, counter: Counter, worker: str) -> None:
        with self.lock:
            counter[worker] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def give_up(self, worker: str, message: str) -> None:
        with self.lock:
            self.errors.append(message)
            self.gave_up.add(worker)


def work_as(
    client: WorkerApiClient,
    job_name: str,
    worker: Worker,
    report: CrowdReport,
    stop: threading.Event,
    *,
    poll_seconds: float = 0.05,
) -> None:
    """One simulated worker's loop: next task, answer, submit, until the job ends.

    A refused answer is reported and its task declined (asking again would hand the same task
    back); a task the worker cannot answer at all (no label categories) ends the worker.
    """
    while not stop.is_set():
        try:
            task = client.next_task(job_name, worker.name)
            report.set_idle(worker.name, task is None)
            if task is None:
                stop.wait(poll_seconds)
                continue
            try:
                answer = worker.answer(task)
            except ValueError as error:
                report.give_up(worker.name, f"{worker.name}: {error}")
                client.release(task.task_id, worker.name)
                return
            try:
                client.submit(task.task_id, worker.name, answer)
                report.count(report.answers, worker.name)
            except WorkerApiError as error:
                if error.status not in (400, 409):
                    raise
                report.count(report.rejected, worker.name)
                if error.status == 400:
                    report.error(f"{worker.name}: answer refused: {error.message}")
                    client.decline(task.task_id, worker.name)
        except WorkerApiError as error:
            if error.status != 410:  # 410: the job has ended
                report.give_up(worker.name, f"{worker.name}: {error.message}")
            return


def run_crowd(
    client: WorkerApiClient,
    job_name: str,
    crowd: list[Worker],
    *,
    progress: TextIO | None = None,
    timeout: float | None = None,
    poll_seconds: float = 0.05,
) -> tuple[CrowdReport, dict | None]:
    """Work `job_name` with `crowd` (one thread each) until it ends; returns the report and the
    job's last listing (None if it could not be read)."""
    report = CrowdReport()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=work_as,
            args=(client, job_name, worker, report, stop),
            kwargs={"poll_seconds": poll_seconds},
            name=f"gtemu-work-{worker.name}",
            daemon=True,
        )
        for worker in crowd
    ]
    for thread in threads:
        thread.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    job = None
    bar = ProgressBar(progress) if progress is not None else None
    while any(thread.is_alive() for thread in threads):
        if deadline is not None and not stop.is_set() and time.monotonic() > deadline:
            report.error(f"gave up after {timeout:g} s")
            stop.set()
        job = _poll_job(client, job_name, crowd[0].name) or job
        if bar is not None and job is not None:
            everyone_idle = len(report.idle) == len(crowd)
            note = waiting_note(job) if everyone_idle and job["status"] == "InProgress" else ""
            bar.draw(job, sum(report.answers.values()), note)
        for thread in threads:
            thread.join(timeout=0.1)
    # The last answers are consolidated a moment after they are accepted; a job that a worker
    # gave up on cannot end that way, so there is nothing to wait for.
    if not stop.is_set() and not report.gave_up:
        job = _wait_until_ended(client, job_name, crowd[0].name, job)
    if bar is not None and job is not None:
        bar.draw(job, sum(report.answers.values()))
        bar.finish()
    return report, job


def _poll_job(client: WorkerApiClient, job_name: str, worker: str) -> dict | None:
    try:
        return client.job(job_name, worker)
    except WorkerApiError:
        return None


def _wait_until_ended(
    client: WorkerApiClient, job_name: str, worker: str, job: dict | None, wait: float = 5.0
) -> dict | None:
    # The last answers are consolidated a moment after they are accepted.
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        job = _poll_job(client, job_name, worker) or job
        if job is None or job["status"] in TERMINAL_STATUSES:
            break
        time.sleep(0.05)
    return job


def waiting_note(job: dict, now: datetime | None = None) -> str:
    """What idle workers wait for: tasks other workers hold return to the queue at their time
    limit (docs/workers.md); otherwise objects not yet handed out (a wave or batch to come)."""
    held = job.get("heldTasks") or 0
    returns = job.get("firstHeldTaskReturns")
    if held and returns:
        now = now or datetime.now(timezone.utc)
        moment = datetime.strptime(returns, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        seconds = max(0, round((moment - now).total_seconds()))
        return (
            f"waiting: {held} task(s) held by other workers; the first returns to the queue "
            f"at its time limit, in {_duration(seconds)}"
        )
    return "waiting: no task available to these workers yet"


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


class ProgressBar:
    """`[#########.........]  12/32 objects  36 answers  InProgress` on one line of a stream."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.last = ""

    def draw(self, job: dict, answers: int, note: str = "") -> None:
        total = max(job["total"], 1)
        done = job["labeled"] + job["failed"]
        filled = round(self.width * min(done, total) / total)
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {done:>4}/{job['total']} objects "
            f"{answers:>5} answers  {job['status']}"
        )
        stream = job.get("stream")
        if stream is not None:  # a streaming job: what came in over its topic, what waits
            line += f"  {stream['received']} received, {stream['queued']} queued"
        if note:
            line += f"  ({note})"
        if line != self.last:
            # Blanks over the end of a longer previous line (a note that went away).
            self.stream.write("\r" + line.ljust(len(self.last)))
            self.stream.flush()
            self.last = line

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def fixture_truth(seed: int) -> Truth:
    """The bundled pictures' truth, matched by file name; other objects get a hidden truth."""
    import gtemu_fixtures

    from emulator.simulate import Truth  # imported when used (docs/interfaces.md#startup)

    return Truth(gtemu_fixtures.truth("multilabel"), seed=seed)


HELP = "label a job of a running gtemu with simulated workers"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "work",
        help=HELP,
        description=(
            "Run N simulated workers against a running `gtemu serve` through the workers' JSON "
            "API until the job ends. Pictures of the bundled fixtures are answered from their "
            "truth; other objects from a seeded hidden truth."
        ),
    )
    parser.add_argument("--endpoint", type=http_url, default="http://127.0.0.1:8080",
                        help="the worker UI of gtemu serve (default %(default)s)")
    parser.add_argument("--job", required=True, help="labeling job name")
    parser.add_argument("--workers", type=int_between(1), default=3,
                        help="number of simulated workers (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    parser.add_argument("--accuracy", type=probability, default=None,
                        help="sensitivity and specificity of every worker, 0..1 "
                             "(default: drawn per worker)")
    parser.add_argument("--spammers", type=int_between(0), default=0,
                        help="how many of the workers click at random (default 0)")
    parser.add_argument("--region", default=DEFAULT_REGION, help="default %(default)s")
    parser.add_argument("--account", default=DEFAULT_ACCOUNT, help="default %(default)s")
    parser.add_argument("--timeout", type=float, default=None,
                        help="give up after this many seconds (default: wait for the job)")
    parser.add_argument("--token", default=None,
                        help=f"the worker token of gtemu serve (default: ${TOKEN_ENV}, else the "
                             "one in --state-dir)")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="the state directory of gtemu serve, to read its worker token from "
                             f"(default {default_state_dir()})")
    parser.set_defaults(func=run)


def worker_token(args: argparse.Namespace) -> str | None:
    """--token, else $GTEMU_WORKER_TOKEN, else the token in the state directory."""
    if args.token:
        return str(args.token)
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    return token_of_state_dir(args.state_dir or default_state_dir())


def run(args: argparse.Namespace) -> int:
    from emulator.simulate import simulated_crowd  # imported when used (docs/interfaces.md#startup)

    if not 0 <= args.spammers <= args.workers:
        print(f"gtemu work: --spammers must be between 0 and {args.workers}", file=sys.stderr)
        return 2
    # Without a token the server answers 401 with a message that says where to find it.
    token = worker_token(args)
    client = WorkerApiClient(args.endpoint, account=args.account, region=args.region,
                             token=token)
    crowd = simulated_crowd(
        args.workers,
        seed=args.seed,
        accuracy=args.accuracy,
        truth=fixture_truth(args.seed),
        spammers=args.spammers,
    )
    try:
        job = client.job(args.job, crowd[0].name)
    except WorkerApiError as error:
        print(f"gtemu work: {error.message}", file=sys.stderr)
        return 1
    if job is None:
        print(
            f"gtemu work: no labeling job {args.job!r} in account {args.account}, "
            f"region {args.region} that these workers may work on",
            file=sys.stderr,
        )
        return 1
    if job["workersPerObject"] > args.workers:
        print(
            f"gtemu work: warning: the job needs {job['workersPerObject']} workers per object; "
            f"{args.workers} cannot finish it (use --workers {job['workersPerObject']})",
            file=sys.stderr,
        )
    started = time.monotonic()
    report, final = run_crowd(
        client, job["name"], crowd, progress=sys.stderr, timeout=args.timeout
    )
    print_summary(sys.stdout, job["name"], crowd, report, final or job, time.monotonic() - started)
    return 0 if not report.errors and (final or job)["status"] in (COMPLETED, STOPPED) else 1


def print_summary(
    out: TextIO,
    job_name: str,
    crowd: list[NoisyWorker],
    report: CrowdReport,
    job: dict,
    seconds: float,
) -> None:
    answers = sum(report.answers.values())
    print(f"Job {job_name}: {job['status']}", file=out)
    print(
        f"  {job['labeled']} of {job['total']} objects labeled, {job['failed']} failed; "
        f"{answers} answers in {seconds:.1f} s",
        file=out,
    )
    for worker in crowd:
        quality = (
            "random clicks"
            if type(worker).__name__ == "Spammer"
            else f"sensitivity {worker.sensitivity:.2f}, specificity {worker.specificity:.2f}"
        )
        rejected = report.rejected[worker.name]
        extra = f", {rejected} rejected" if rejected else ""
        print(f"  {worker.name}: {report.answers[worker.name]} answers{extra} ({quality})",
              file=out)
    stream = job.get("stream")
    if stream is not None:
        print(f"  {stream['received']} objects received over the input topic, "
              f"{stream['queued']} messages still queued", file=out)
    if job.get("failureReason"):
        print(f"  failure reason: {job['failureReason']}", file=out)
    for message in report.errors:
        print(f"  error: {message}", file=out)
    if job.get("outputDatasetS3Uri"):
        print(f"  output manifest: {job['outputDatasetS3Uri']}", file=out)
