"""The labeling-job engine of one account and region (docs/interfaces.md).

One lock guards every job of the engine; every public method first runs the work that is due
at `clock.now()` (`pump`), so a virtual clock needs no background thread.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from emulator import clock
from emulator.events import publish_status_change
from emulator.jobs import streaming
from emulator.jobs.inputs import InputError, load_inputs
from emulator.jobs.job import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    INITIALIZING,
    STOPPED,
    STOPPING,
    LabelingJob,
)
from emulator.jobs.outputs import OutputWriter
from emulator.jobs.run import JobRun, Task, TaskConflict
from emulator.jobs.s3 import S3Error, S3Store
from emulator.jobs.validation import AnswerRejected

__all__ = ["AnswerRejected", "JobEngine", "LabelingJob", "Task", "TaskConflict"]

logger = logging.getLogger(__name__)

# How long a stopped job shows `Stopping` when nobody looks (server mode, docs/api.md#job-status).
STOP_SETTLE = timedelta(seconds=1)
# How long a new job shows `Initializing` when nobody looks (server mode); the first
# Describe/List after creation shows it, and the inputs are read on the next engine step.
INITIALIZE_SETTLE = timedelta(seconds=2)


class JobEngine:
    """Every labeling job of one account and region."""

    def __init__(self, account_id: str, region: str, workforce: Any) -> None:
        self.account_id = account_id
        self.region = region
        self.workforce = workforce
        self.lock = threading.RLock()
        self._jobs: dict[str, LabelingJob] = {}
        # Streaming jobs' input feeds (emulator.jobs.streaming), by lower-cased job name.
        self._feeds: dict[str, streaming.StreamingFeed] = {}

    # -- API side ----------------------------------------------------------------------------

    def create_job(self, request: dict[str, Any]) -> LabelingJob:
        """Record a validated CreateLabelingJob request (defaults filled, `Tags` removed).

        The job starts `Initializing`; its inputs are read on the next `pump()`.
        """
        with self.lock:
            self.pump()
            job = LabelingJob(
                request,
                account_id=self.account_id,
                region=self.region,
                created=clock.now(),
                lock=self.lock,
            )
            job.status_listener = self._status_changed
            job.report_listener = self._job_reported
            self._jobs[job.name.lower()] = job
            feed = streaming.subscribe_at_creation(job, job.creation_time)  # streaming hook
            if feed is not None:
                self._feeds[job.name.lower()] = feed
            return job

    def initialize_now(self, name: str) -> None:
        """Read the inputs of a job that is still `Initializing` now, as a later engine step
        would (test helpers; a worker asking for a task does the same)."""
        with self.lock:
            self.pump()
            job = self._require(name)
            if job.status == INITIALIZING:
                self._initialize(job, clock.now())

    def find_job(self, name: str) -> LabelingJob | None:
        """The job of that name, compared case-insensitively (docs/api.md#names-arns-and-paging)."""
        with self.lock:
            self.pump()
            return self._jobs.get(name.lower())

    def jobs(self) -> list[LabelingJob]:
        with self.lock:
            self.pump()
            return list(self._jobs.values())

    def stop_job(self, name: str) -> None:
        """StopLabelingJob (docs/api.md#stoplabelingjob): `Stopping` now, `Stopped` on a later
        engine step.

        A job that is already stopping or has ended is left as it is.
        """
        with self.lock:
            self.pump()
            job = self._require(name)
            if job.status in (INITIALIZING, IN_PROGRESS):
                self._begin_stopping(job, clock.now())

    def mark_reported(self, name: str) -> None:
        """What a Describe/List that showed the job `Initializing` or `Stopping` did (replayed
        from a journal; see `LabelingJob._reported`)."""
        with self.lock:
            self._require(name).mark_reported()

    def _job_reported(self, job: LabelingJob) -> None:
        job.mark_reported()

    def fail_job(self, name: str, reason: str) -> None:
        """End a job as `Failed` with `reason` (the test API's way to exercise failure paths).

        Open tasks are withdrawn; objects that were not finished stay unlabeled.
        """
        with self.lock:
            self.pump()
            job = self._require(name)
            if job.status in (COMPLETED, FAILED, STOPPED):
                return
            self._fail_running(job, clock.now(), reason)

    def pump(self) -> None:
        """Run whatever is due at `clock.now()` for every job."""
        with self.lock:
            for job in list(self._jobs.values()):
                self._step(job, clock.now())

    # -- worker side -------------------------------------------------------------------------

    def next_task(self, job_name: str, worker: Any) -> Task | None:
        """Hand `worker` (a `WorkerIdentity`) a task of the job, or None if there is none now.

        A worker who already holds an open task of the job gets that task again.
        """
        with self.lock:
            self.pump()
            job = self._require(job_name)
            if job.status == INITIALIZING:
                self._initialize(job, clock.now())  # a worker asking: the inputs are read now
            if job.status != IN_PROGRESS or job.run is None:
                return None
            return job.run.next_task(worker.worker_id, worker.metadata, clock.now())

    def submit(
        self,
        task_id: str,
        worker_id: str,
        answer: dict[str, Any],
        *,
        active_seconds: float | None = None,
    ) -> None:
        """Store an answer; it is kept before this returns.

        Raises AnswerRejected (invalid answer, docs/engine.md#answer-validation) or TaskConflict
        (unknown task, another worker's, no longer open). Submitting the same answer again is a
        no-op.
        """
        with self.lock:
            self.pump()
            job, task = self._task(task_id, worker_id)
            job.run.submit(task, answer, clock.now(), active_seconds)
            self._after_worker_action(job)

    def decline(self, task_id: str, worker_id: str) -> None:
        """The worker gives the task back and will not be offered that object again."""
        with self.lock:
            self.pump()
            job, task = self._task(task_id, worker_id)
            job.run.decline(task, clock.now())
            self._after_worker_action(job)

    def release(self, task_id: str, worker_id: str) -> None:
        """The worker gives the task back ("stop and resume later"); not a decline."""
        with self.lock:
            self.pump()
            job, task = self._task(task_id, worker_id)
            job.run.release(task, clock.now())
            self._after_worker_action(job)

    def fail_render(self, task_id: str, message: str) -> None:
        """The worker UI could not render the task's template for its object (e.g.
        `grant_read_access` on a missing key): that object fails with
        `ClientError: Task failed to render: [ <message> ]`
        (docs/templates.md#render-errors-at-task-time).

        `message` is the renderer's `<code>: '<text>'`, e.g.
        `InvalidParameters: '"grant_read_access" input is not a valid S3 URI: "".'`.
        """
        with self.lock:
            self.pump()
            for job in self._jobs.values():
                if job.run is not None and task_id in job.run.tasks:
                    if job.status == IN_PROGRESS:
                        job.run.fail_render(job.run.tasks[task_id], message, clock.now())
                    return
            raise TaskConflict(f"No task {task_id}.")

    def task(self, task_id: str) -> Task | None:
        """A task handed out by this engine, whatever its state."""
        with self.lock:
            for job in self._jobs.values():
                if job.run is not None and task_id in job.run.tasks:
                    return job.run.tasks[task_id]
            return None

    # -- internals ---------------------------------------------------------------------------

    def _require(self, name: str) -> LabelingJob:
        job = self._jobs.get(name.lower())
        if job is None:
            raise KeyError(f"No labeling job named {name}.")
        return job

    def _task(self, task_id: str, worker_id: str) -> tuple[LabelingJob, Task]:
        for job in self._jobs.values():
            if job.run is not None and task_id in job.run.tasks:
                task = job.run.task_for(task_id, worker_id)
                if job.status != IN_PROGRESS and task.state == "open":
                    raise TaskConflict(f"Labeling job {job.name} is {job.status}.")
                return job, task
        raise TaskConflict(f"No task {task_id}.")

    def _after_worker_action(self, job: LabelingJob) -> None:
        if job.status == STOPPING:
            self._step(job, clock.now())

    def _begin_stopping(self, job: LabelingJob, moment: datetime) -> None:
        job.stop_requested_at = moment
        job.stopping_reported = False
        job.set_status(STOPPING, moment)
        if job.run is not None:
            job.run.withdraw_all()

    def _step(self, job: LabelingJob, moment: datetime) -> None:
        try:
            if job.status == INITIALIZING and self._initialize_is_due(job, moment):
                self._initialize(job, moment)
            if job.status == IN_PROGRESS and job.run is not None:
                job.run.advance(moment)
            if job.status == STOPPING and self._stop_is_due(job, moment):
                if job.run is not None:
                    job.run.settle_stop(moment)
                else:
                    job.set_status(STOPPED, moment)
        except S3Error:
            logger.exception("labeling job %s cannot write its output", job.name)
            self._fail_running(job, moment, "ClientError: Unable to write to the output location "
                               f"({job.request['OutputConfig']['S3OutputPath']}).")
        except Exception as error:  # a bug must fail one job, not every API call
            logger.exception("labeling job %s failed", job.name)
            self._fail_running(job, moment, f"InternalError: {type(error).__name__}: {error}")

    def _fail_running(self, job: LabelingJob, moment: datetime, reason: str) -> None:
        job.fail(reason, moment)
        if job.run is not None:
            job.run.withdraw_all()
            job.run.update_counters(moment)

    def _initialize_is_due(self, job: LabelingJob, moment: datetime) -> bool:
        """`Initializing` lasts until it has been seen once, or for INITIALIZE_SETTLE."""
        return job.initializing_reported or moment - job.creation_time >= INITIALIZE_SETTLE

    def _status_changed(self, job: LabelingJob, previous: str, moment: datetime) -> None:
        """Every status change: the documented EventBridge event; an ended streaming job
        unsubscribes from its input topic."""
        feed = self._feeds.get(job.name.lower())
        if feed is not None and job.status in (COMPLETED, FAILED, STOPPED):
            feed.close()
        publish_status_change(job, moment)

    def _stop_is_due(self, job: LabelingJob, moment: datetime) -> bool:
        """`Stopping` lasts until it has been seen once, or for STOP_SETTLE
        (docs/api.md#job-status)."""
        requested = job.stop_requested_at or moment
        return job.stopping_reported or moment - requested >= STOP_SETTLE

    def _initialize(self, job: LabelingJob, moment: datetime) -> None:
        """Read the inputs; `Failed` with a FailureReason if they are bad
        (docs/engine.md#input-failures)."""
        store = S3Store(self.account_id)
        try:
            inputs = load_inputs(job, store, self.workforce)
        except InputError as error:
            job.fail(error.reason, moment)
            return
        run = JobRun(job, inputs, OutputWriter(store, job.output_prefix))
        try:
            early = self._feeds.get(job.name.lower())
            run.stream = streaming.open_feed(job, inputs.task_type, moment, early)
            if run.stream is not None:
                self._feeds[job.name.lower()] = run.stream
        except InputError as error:
            job.fail(error.reason, moment)
            return
        job.run = run
        run.start(moment, public_team=self.workforce.is_public_team(job.workteam_arn))
