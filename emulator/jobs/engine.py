"""The labeling-job engine of one account and region (docs/interfaces.md).

One lock guards every job of the engine; every public method first runs the work that is due
at `clock.now()` (`pump`), so a virtual clock needs no background thread.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from emulator import clock
from emulator.jobs.job import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    INITIALIZING,
    STOPPED,
    STOPPING,
    LabelingJob,
)


class AnswerRejected(Exception):
    """A submitted answer does not meet the task's contract (spec §4.4); nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TaskConflict(Exception):
    """A task action that does not fit the task's state: unknown task, another worker's task,
    a task that expired, was withdrawn or was already answered differently."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JobEngine:
    """Every labeling job of one account and region."""

    def __init__(self, account_id: str, region: str, workforce: Any) -> None:
        self.account_id = account_id
        self.region = region
        self.workforce = workforce
        self.lock = threading.RLock()
        self._jobs: dict[str, LabelingJob] = {}

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
            self._jobs[job.name.lower()] = job
            return job

    def find_job(self, name: str) -> LabelingJob | None:
        """The job of that name, compared case-insensitively (spec §1.1)."""
        with self.lock:
            self.pump()
            return self._jobs.get(name.lower())

    def jobs(self) -> list[LabelingJob]:
        with self.lock:
            self.pump()
            return list(self._jobs.values())

    def stop_job(self, name: str) -> None:
        """StopLabelingJob (spec §1.8): `Stopping` now, `Stopped` on a later engine step.

        A job that is already stopping or has ended is left as it is.
        """
        with self.lock:
            self.pump()
            job = self._require(name)
            if job.status in (INITIALIZING, IN_PROGRESS):
                self._begin_stopping(job, clock.now())

    def fail_job(self, name: str, reason: str) -> None:
        """End a job as `Failed` with `reason` (the test API's way to exercise failure paths).

        Open tasks are withdrawn; objects that were not finished stay unlabeled.
        """
        with self.lock:
            self.pump()
            job = self._require(name)
            if job.status in (COMPLETED, FAILED, STOPPED):
                return
            job.fail(reason, clock.now())

    def pump(self) -> None:
        """Run whatever is due at `clock.now()` for every job."""
        with self.lock:
            for job in list(self._jobs.values()):
                self._step(job, clock.now())

    # -- internals ---------------------------------------------------------------------------

    def _require(self, name: str) -> LabelingJob:
        job = self._jobs.get(name.lower())
        if job is None:
            raise KeyError(f"No labeling job named {name}.")
        return job

    def _begin_stopping(self, job: LabelingJob, moment: datetime) -> None:
        job.stop_requested_at = moment
        job.set_status(STOPPING, moment)

    def _step(self, job: LabelingJob, moment: datetime) -> None:
        if job.status == STOPPING and job.run is None:
            job.set_status(STOPPED, moment)
