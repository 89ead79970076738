"""A labeling job as the API sees it: its request, status, counters and timestamps.

`LabelingJob` answers DescribeLabelingJob (docs/api.md#describelabelingjob), ListLabelingJobs
(docs/api.md#listlabelingjobs) and ListLabelingJobsForWorkteam
(docs/api.md#listlabelingjobsforworkteam). What happens while the job runs (objects, tasks, batches)
lives in `emulator.jobs.run.JobRun`, attached once initialization has read the inputs.
"""

from __future__ import annotations

import copy
import string
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emulator import ids

if TYPE_CHECKING:
    from emulator.jobs.run import JobRun

INITIALIZING = "Initializing"
IN_PROGRESS = "InProgress"
COMPLETED = "Completed"
FAILED = "Failed"
STOPPING = "Stopping"
STOPPED = "Stopped"
TERMINAL_STATUSES = (COMPLETED, FAILED, STOPPED)
ENDED_STATUSES = (COMPLETED, FAILED, STOPPING, STOPPED)

MAX_FAILURE_REASON = 1024
COUNTER_NAMES = (
    "TotalLabeled",
    "HumanLabeled",
    "MachineLabeled",
    "FailedNonRetryableError",
    "Unlabeled",
)
_REFERENCE_ALPHABET = string.ascii_letters + string.digits


def job_arn(region: str, account_id: str, name: str) -> str:
    """Labeling-job ARNs use the lower-cased name (docs/api.md#names-arns-and-paging)."""
    return f"arn:aws:sagemaker:{region}:{account_id}:labeling-job/{name.lower()}"


def new_job_reference_code(account_id: str) -> str:
    """The account id followed by 16 characters of [A-Za-z0-9]
    (docs/api.md#names-arns-and-paging)."""
    return account_id + "".join(ids.choice(_REFERENCE_ALPHABET) for _ in range(16))


def truncate_reason(reason: str) -> str:
    """FailureReason is at most 1024 characters, cut with an ellipsis
    (docs/engine.md#input-failures)."""
    if len(reason) <= MAX_FAILURE_REASON:
        return reason
    return reason[: MAX_FAILURE_REASON - 1] + "…"


class LabelingJob:
    """One labeling job of an account and region.

    Reads and writes go through the engine's lock (`lock`), so a description is always a
    consistent snapshot even while workers submit answers on other threads.
    """

    # Called as listener(job) when a Describe/List first shows it `Initializing` or `Stopping`;
    # it must call `job.mark_reported()` (see `_reported`). The engine sets it on each job; the
    # class default also serves jobs unpickled from a snapshot of an older gtemu.
    report_listener: Callable[[LabelingJob], None] | None = None

    def __init__(
        self,
        request: dict[str, Any],
        *,
        account_id: str,
        region: str,
        created: datetime,
        lock: threading.RLock,
    ) -> None:
        self.request = copy.deepcopy(request)
        self.name: str = request["LabelingJobName"]
        self.account_id = account_id
        self.region = region
        self.arn = job_arn(region, account_id, self.name)
        self.job_reference_code = new_job_reference_code(account_id)
        self.creation_time = created
        self.last_modified_time = created
        self.status = INITIALIZING
        self.failure_reason: str | None = None
        self.counters = dict.fromkeys(COUNTER_NAMES, 0)
        self.lock = lock
        self.run: JobRun | None = None
        # Set by stop_job (or a stopping condition); the stop settles on a later engine step.
        self.stop_requested_at: datetime | None = None
        self.stopping_reported = False
        # `Initializing` lasts until a Describe/List has shown it (or a short while passed).
        self.initializing_reported = False
        # Called as listener(job, previous_status, moment) after every status change (the
        # engine sends the job's status events; emulator.events).
        self.status_listener: Callable[[LabelingJob, str, datetime], None] | None = None

    # -- configuration -----------------------------------------------------------------------

    @property
    def human_task_config(self) -> dict[str, Any]:
        return self.request["HumanTaskConfig"]

    @property
    def workteam_arn(self) -> str:
        return self.human_task_config["WorkteamArn"]

    @property
    def label_attribute_name(self) -> str:
        return self.request["LabelAttributeName"]

    @property
    def workers_per_object(self) -> int:
        return self.human_task_config["NumberOfHumanWorkersPerDataObject"]

    @property
    def pre_lambda_arn(self) -> str | None:
        return self.human_task_config.get("PreHumanTaskLambdaArn")

    @property
    def acs_lambda_arn(self) -> str | None:
        config = self.human_task_config.get("AnnotationConsolidationConfig") or {}
        return config.get("AnnotationConsolidationLambdaArn")

    @property
    def output_prefix(self) -> str:
        """`<S3OutputPath without trailing slash>/<job name as given>`
        (docs/engine.md#output-layout)."""
        return self.request["OutputConfig"]["S3OutputPath"].rstrip("/") + "/" + self.name

    @property
    def output_manifest_uri(self) -> str:
        return self.output_prefix + "/manifests/output/output.manifest"

    # -- state changes (callers hold the lock) -----------------------------------------------

    def touch(self, moment: datetime) -> None:
        self.last_modified_time = moment

    def set_status(self, status: str, moment: datetime) -> None:
        if status != self.status:
            previous, self.status = self.status, status
            self.touch(moment)
            if self.status_listener is not None:
                self.status_listener(self, previous, moment)

    def set_counters(self, counters: dict[str, int], moment: datetime) -> None:
        if counters != self.counters:
            self.counters = counters
            self.touch(moment)

    def fail(self, reason: str, moment: datetime) -> None:
        self.failure_reason = truncate_reason(reason)
        self.set_status(FAILED, moment)

    # -- API views ---------------------------------------------------------------------------

    def describe(self, tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """DescribeLabelingJob's members in the order of docs/api.md#describelabelingjob.

        `Tags` belongs between `HumanTaskConfig` and `LabelingJobOutput`; it is included, in
        that place, only when `tags` is given (the API layer owns tags).
        """
        with self.lock:
            self._reported()
            request = self.request
            description: dict[str, Any] = {
                "LabelingJobStatus": self.status,
                "LabelCounters": dict(self.counters),
            }
            if self.status == FAILED and self.failure_reason is not None:
                description["FailureReason"] = self.failure_reason
            description.update(
                CreationTime=self.creation_time,
                LastModifiedTime=self.last_modified_time,
                JobReferenceCode=self.job_reference_code,
                LabelingJobName=self.name,
                LabelingJobArn=self.arn,
                LabelAttributeName=request["LabelAttributeName"],
                InputConfig=copy.deepcopy(request["InputConfig"]),
                OutputConfig=copy.deepcopy(request["OutputConfig"]),
                RoleArn=request["RoleArn"],
            )
            for optional in (
                "LabelCategoryConfigS3Uri",
                "StoppingConditions",
                "LabelingJobAlgorithmsConfig",
            ):
                if optional in request:
                    description[optional] = copy.deepcopy(request[optional])
            description["HumanTaskConfig"] = copy.deepcopy(request["HumanTaskConfig"])
            if tags is not None:
                description["Tags"] = copy.deepcopy(tags)
            output = self._labeling_job_output()
            if output is not None:
                description["LabelingJobOutput"] = output
            return description

    def summary(self) -> dict[str, Any]:
        """A `LabelingJobSummary` of ListLabelingJobs (docs/api.md#listlabelingjobs)."""
        with self.lock:
            self._reported()
            summary: dict[str, Any] = {
                "LabelingJobName": self.name,
                "LabelingJobArn": self.arn,
                "CreationTime": self.creation_time,
                "LastModifiedTime": self.last_modified_time,
                "LabelingJobStatus": self.status,
                "LabelCounters": dict(self.counters),
                "WorkteamArn": self.workteam_arn,
            }
            if self.pre_lambda_arn is not None:
                summary["PreHumanTaskLambdaArn"] = self.pre_lambda_arn
            if self.acs_lambda_arn is not None:
                summary["AnnotationConsolidationLambdaArn"] = self.acs_lambda_arn
            if self.status == FAILED and self.failure_reason is not None:
                summary["FailureReason"] = self.failure_reason
            output = self._labeling_job_output()
            if output is not None:
                summary["LabelingJobOutput"] = output
            summary["InputConfig"] = {
                "DataSource": copy.deepcopy(self.request["InputConfig"]["DataSource"])
            }
            return summary

    def workteam_summary(self) -> dict[str, Any]:
        """A `LabelingJobForWorkteamSummary` of ListLabelingJobsForWorkteam
        (docs/api.md#listlabelingjobsforworkteam)."""
        with self.lock:
            pending = self.run.pending_objects() if self.run is not None else 0
            total = self.run.eligible_count if self.run is not None else 0
            return {
                "LabelingJobName": self.name,
                "JobReferenceCode": self.job_reference_code,
                "WorkRequesterAccountId": self.account_id,
                "CreationTime": self.creation_time,
                "LabelCounters": {
                    "HumanLabeled": self.counters["HumanLabeled"],
                    "PendingHuman": pending,
                    "Total": total,
                },
                "NumberOfHumanWorkersPerDataObject": self.workers_per_object,
            }

    def _reported(self) -> None:
        """A Describe/List shows the job now: an `Initializing` or `Stopping` job settles on the
        next engine step instead of after its settle time (docs/api.md#job-status). That is a
        change made by a read, so it goes through `report_listener` (a durable engine journals
        it: a replay must settle the job on the same step)."""
        if self.status not in (INITIALIZING, STOPPING) or self.was_reported():
            return
        if self.report_listener is None:
            self.mark_reported()
        else:
            self.report_listener(self)

    def was_reported(self) -> bool:
        return self.stopping_reported if self.status == STOPPING else self.initializing_reported

    def mark_reported(self) -> None:
        if self.status == STOPPING:
            self.stopping_reported = True
        elif self.status == INITIALIZING:
            self.initializing_reported = True

    def _labeling_job_output(self) -> dict[str, str] | None:
        if self.status not in (COMPLETED, STOPPED):
            return None
        return {"OutputDatasetS3Uri": self.output_manifest_uri, "FinalActiveLearningModelArn": ""}

    def __repr__(self) -> str:
        return f"LabelingJob({self.name!r}, {self.status})"
