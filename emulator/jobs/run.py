"""A running labeling job: data objects, waves, tasks, answers and consolidation batches.

The rules are in docs/engine.md#workers-and-answers (assignment), docs/engine.md#output-files
(outputs) and docs/engine.md#label-counters (counters). A `JobRun` is created once the inputs
are read; the engine calls it under its lock. State is plain data (objects, tasks, answers keyed
by ids) so that it could later live in a database.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from consolidation.manifest import EXPIRED_REASON
from consolidation.serialization import dumps
from emulator import ids, lambdas, tasktypes
from emulator.jobs import streaming
from emulator.jobs.batches import BATCH_SIZE, BatchesAndLines
from emulator.jobs.inputs import JobInputs, read_text_source
from emulator.jobs.job import (
    COMPLETED,
    IN_PROGRESS,
    STOPPED,
    STOPPING,
    LabelingJob,
)
from emulator.jobs.job import (
    FAILED as FAILED_JOB,
)
from emulator.jobs.job import (
    TERMINAL_STATUSES as TERMINAL_JOB_STATUSES,
)
from emulator.jobs.outputs import OutputWriter
from emulator.jobs.s3 import S3Error
from emulator.jobs.tasks import (
    FINAL,
    OPEN,
    QUEUED,
    SKIPPED,
    Answer,
    DataObject,
    Task,
    TaskConflict,
)
from emulator.jobs.validation import validate_answer

BATCH_WAIT = timedelta(seconds=30)
PUBLIC_FIRST_WAVE = 10
JOB_EXPIRY = timedelta(days=30)
# A standard job still running at its 30-day limit fails with a client error (botocore's
# LabelingJobStoppingConditions: "Labeling jobs fail after 30 days with an appropriate client
# error message").
JOB_EXPIRED_REASON = (
    "ClientError: The labeling job reached its 30-day limit before every data object was "
    "labeled; unfinished objects expired."
)



class JobRun(BatchesAndLines):
    """The running part of one labeling job."""

    def __init__(self, job: LabelingJob, inputs: JobInputs, writer: OutputWriter) -> None:
        self.job = job
        self.inputs = inputs
        self.writer = writer
        self.config = job.human_task_config
        self.workers_per_object: int = self.config["NumberOfHumanWorkersPerDataObject"]
        self.time_limit = timedelta(seconds=self.config["TaskTimeLimitInSeconds"])
        self.lifetime = timedelta(seconds=self.config["TaskAvailabilityLifetimeInSeconds"])
        self.wave_size: int = self.config["MaxConcurrentTaskCount"]
        self.public_team = False
        self.objects = [
            DataObject(str(position), entry.line, dumps(entry.line))
            for position, entry in enumerate(inputs.objects)
        ]
        self.eligible: list[DataObject] = []
        self.next_queued = 0  # position in `eligible` of the next object to dispatch
        self.wave = 0
        self.wave_objects: list[DataObject] = []
        self.wave_open = 0  # objects of the current wave still collecting answers
        self.wave_deadline: datetime | None = None
        self.available: dict[str, DataObject] = {}  # open objects with a free slot
        self.tasks: dict[str, Task] = {}
        self.open_task_of: dict[str, Task] = {}  # by worker id: a worker holds one at a time
        self._deadlines: list[tuple[datetime, str]] = []
        self.pending: list[DataObject] = []  # final, waiting for their batch
        self.pending_since: datetime | None = None
        # The manifest text before and after the current wave's objects, which no line of
        # changes while the wave runs: (start, stop, before, after), positions in `objects`.
        # The intermediate manifest is rewritten whole after every batch
        # (docs/engine.md#intermediate-manifests); this keeps that rewrite from re-joining every
        # line of the job each time.
        self._frame: tuple[int, int, str, str] | None = None
        # What the built-in ACS keeps from batch to batch (worker-quality evidence).
        self.evidence: Any = None
        self.labeled = 0
        self.failed = 0
        # Streaming hook: the input feed of a streaming job (emulator.jobs.streaming).
        self.stream: streaming.StreamingFeed | None = None

    # -- start ---------------------------------------------------------------------------------

    def start(self, moment: datetime, *, public_team: bool) -> None:
        """Pre-annotate every object, then dispatch the first wave (docs/api.md#job-status). A
        pre-annotation Lambda that raises or times out fails the job, as on AWS."""
        self.public_team = public_team
        try:
            for data_object in self.objects:
                self._pre_annotate(data_object)
        except lambdas.LambdaInvocationFailed as error:
            self.job.fail(error.reason, moment)
            self.update_counters(moment)
            return
        self.eligible = [o for o in self.objects if o.state != SKIPPED]
        self.job.set_status(IN_PROGRESS, moment)
        self.advance(moment)

    def add_objects(self, lines: list[dict[str, Any]]) -> int:
        """Streaming hook: new data objects (after the start), pre-annotated and queued for
        the next wave. Returns how many are eligible."""
        added = 0
        self._frame = None  # the manifest gains lines: the kept text around a wave is stale
        for line in lines:
            data_object = DataObject(str(len(self.objects)), line, dumps(line))
            self.objects.append(data_object)
            self._pre_annotate(data_object)
            if data_object.state == QUEUED:
                self.eligible.append(data_object)
                added += 1
        return added

    def _pre_annotate(self, data_object: DataObject) -> None:
        job, inputs = self.job, self.inputs
        arn = job.pre_lambda_arn
        builtin = tasktypes.for_arn(arn)
        if builtin is not None and lambdas.registered_handler(arn) is None:
            if builtin.pre_annotation is None:  # PassThrough: the line itself
                data_object.task_input = data_object.line
                return
            line = data_object.line
            if builtin.text_from_s3:
                try:
                    # Text lines may name an S3 object holding the text (`source-ref`).
                    line = read_text_source(line, self.writer.store)
                except S3Error as error:
                    self._fail(data_object, f"ClientError: {error}")
                    return
            response = builtin.pre_annotation(line, inputs.job_context(job.label_attribute_name))
        elif not arn:
            data_object.task_input = data_object.line
            return
        else:
            event = lambdas.pre_annotation_event(job.arn, data_object.line)
            response = lambdas.invoke(arn, event, role_arn=job.request["RoleArn"])
            try:
                task_input, required = lambdas.pre_annotation_reply(response)
            except ValueError as error:  # a malformed response fails this object only
                self._fail(data_object, f"ClientError: Pre-annotation Lambda {arn} failed: "
                           f"{lambdas.describe_error(error)}")
                return
            response = {"taskInput": task_input, "isHumanAnnotationRequired": required}
        if not response["isHumanAnnotationRequired"]:
            data_object.state = SKIPPED
            return
        data_object.task_input = response["taskInput"]

    # -- time ----------------------------------------------------------------------------------

    def advance(self, moment: datetime) -> None:
        """Run what is due: task time limits, the wave's lifetime, batch flushes, next waves,
        the job's 30-day expiry and its completion."""
        if self.job.status != IN_PROGRESS:
            return
        self._expire_tasks(moment)
        if self.wave_deadline is not None and moment >= self.wave_deadline:
            self.wave_deadline = None
            self._end_lifetime(self.wave_objects, moment)
        if self.pending_since is not None and moment - self.pending_since >= BATCH_WAIT:
            self.flush(moment)
        if moment - self.job.creation_time >= JOB_EXPIRY and not self.inputs.streaming:
            self._expire_job(moment)
            return
        self._next_wave_or_finish(moment)
        if self.stream is not None and self._idle(moment):
            self._stop(moment)  # streaming hook: the documented idle stop

    def _expire_tasks(self, moment: datetime) -> None:
        while self._deadlines and self._deadlines[0][0] <= moment:
            _, task_id = heapq.heappop(self._deadlines)
            task = self.tasks[task_id]
            if task.state == "open":
                task.state = "expired"
                self._free_slot(task)

    def _end_lifetime(self, objects: Iterable[DataObject], moment: datetime) -> None:
        """Objects whose availability ended: consolidated with the answers they have, or
        failed if they have none (docs/engine.md#task-assignment)."""
        for data_object in objects:
            if data_object.state in (OPEN, QUEUED):
                self._close(data_object, moment)

    def _close(self, data_object: DataObject, moment: datetime) -> None:
        self._withdraw_tasks(data_object)
        if data_object.answers:
            self._finalize(data_object, moment)
        else:
            if data_object.state == OPEN:
                self.wave_open -= 1
            self.available.pop(data_object.dataset_object_id, None)
            self._fail(data_object, EXPIRED_REASON)

    def _expire_job(self, moment: datetime) -> None:
        """A standard job still running after 30 days: what remains expires and the job
        fails with a client error (docs/api.md#job-status); the output manifest holds what was
        labeled."""
        self._end_lifetime(self.eligible, moment)
        self.next_queued = len(self.eligible)
        self.withdraw_all()
        self._consolidate_pending(moment)
        self.writer.output_manifest(o.serialized for o in self.objects)
        self.job.fail(JOB_EXPIRED_REASON, moment)
        self.update_counters(moment)

    def _idle(self, moment: datetime) -> bool:
        return (
            self.job.status == IN_PROGRESS
            and self.wave_open == 0
            and not self.pending
            and self.next_queued >= len(self.eligible)
            and streaming.idle_stop_due(self, moment)
        )

    def _stop(self, moment: datetime) -> None:
        self.job.stop_requested_at = moment
        self.job.set_status(STOPPING, moment)
        self.withdraw_all()

    def _next_wave_or_finish(self, moment: datetime) -> None:
        while self.job.status == IN_PROGRESS and self.wave_open == 0:
            self.flush(moment)
            if self.job.status != IN_PROGRESS:
                return
            if self.next_queued < len(self.eligible):
                self._dispatch_wave(moment)
                continue
            if self.stream is not None and streaming.admit_messages(self, moment):
                continue  # streaming hook: waiting messages became the next wave
            if not self.inputs.streaming:
                self.writer.output_manifest(o.serialized for o in self.objects)
                self.job.set_status(COMPLETED, moment)
                self.update_counters(moment)
            return

    def _dispatch_wave(self, moment: datetime) -> None:
        size = self.wave_size
        if self.wave == 0 and self.public_team:
            size = min(size, PUBLIC_FIRST_WAVE)
        wave = self.eligible[self.next_queued : self.next_queued + size]
        self.next_queued += len(wave)
        self.wave += 1
        self.wave_objects = wave
        self._frame_wave(wave)
        self.wave_deadline = moment + self.lifetime
        self.wave_open = 0
        for data_object in wave:
            data_object.wave = self.wave
            if data_object.state == QUEUED:
                data_object.state = OPEN
                self.wave_open += 1
                self.available[data_object.dataset_object_id] = data_object
        task = self.inputs.task
        dispatched = [
            {
                "datasetObjectId": o.dataset_object_id,
                "manifestLine": o.serialized,
                "inputAttribute": o.line.get(task.source_of(o.line)),
            }
            for o in wave
            if o.state == OPEN
        ]
        if dispatched:
            self.writer.wave_index(self.wave, dispatched)
        self.update_counters(moment)

    # -- workers -------------------------------------------------------------------------------

    def next_task(self, worker_id: str, worker_metadata: Any, moment: datetime) -> Task | None:
        """The worker's open task of this job, else a new one for an object they have not
        answered or declined (docs/engine.md#task-assignment)."""
        held = self.open_task_of.get(worker_id)
        if held is not None:
            return held
        for data_object in self.available.values():
            if worker_id in data_object.excluded or worker_id in data_object.open_tasks:
                continue
            return self._assign(data_object, worker_id, worker_metadata, moment)
        return None

    def _assign(
        self, data_object: DataObject, worker_id: str, worker_metadata: Any, moment: datetime
    ) -> Task:
        task = Task(
            task_id=ids.token_hex(16),
            job_name=self.job.name,
            dataset_object_id=data_object.dataset_object_id,
            input=data_object.task_input,
            template=self.inputs.template,
            deadline=moment + self.time_limit,
            categories=self.inputs.labels,
            worker_id=worker_id,
            worker_metadata=worker_metadata,
            accepted_at=moment,
            image_size=self._image_size(data_object),
        )
        self.tasks[task.task_id] = task
        data_object.open_tasks[worker_id] = task
        self.open_task_of[worker_id] = task
        heapq.heappush(self._deadlines, (task.deadline, task.task_id))
        if data_object.free_slots(self.workers_per_object) <= 0:
            self.available.pop(data_object.dataset_object_id, None)
        return task

    def _image_size(self, data_object: DataObject) -> tuple[int, int] | None:
        task = self.inputs.task
        if not task.reads_image_size:
            return None
        context = self.inputs.job_context(self.job.label_attribute_name)
        return context.image_size(data_object.line.get(task.source_of(data_object.line)))

    def task_for(self, task_id: str, worker_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            raise TaskConflict(f"No task {task_id} in labeling job {self.job.name}.")
        if task.worker_id != worker_id:
            raise TaskConflict(f"Task {task_id} is not assigned to worker {worker_id}.")
        return task

    def submit(
        self,
        task: Task,
        answer: dict[str, Any],
        moment: datetime,
        active_seconds: float | None,
    ) -> None:
        if task.state == "submitted":
            if task.answer == answer:
                return
            raise TaskConflict(f"Task {task.task_id} was already submitted with another answer.")
        _require_open(task)
        data_object = self._object(task)
        validate_answer(
            answer, self.inputs, self.job.label_attribute_name, data_object.line, task.input
        )
        spent = (moment - task.accepted_at).total_seconds()
        if active_seconds is not None:
            spent = min(spent, float(active_seconds))
        task.state = "submitted"
        task.answer = answer
        data_object.open_tasks.pop(task.worker_id, None)
        self.open_task_of.pop(task.worker_id, None)
        data_object.excluded.add(task.worker_id)
        data_object.answers.append(
            Answer(
                task_id=task.task_id,
                worker_id=task.worker_id,
                worker_metadata=task.worker_metadata,
                content=answer,
                accepted_at=task.accepted_at,
                submitted_at=moment,
                time_spent=spent,
            )
        )
        if len(data_object.answers) >= self.workers_per_object:
            self._finalize(data_object, moment)
        self.advance(moment)

    def decline(self, task: Task, moment: datetime) -> None:
        _require_open(task)
        data_object = self._object(task)
        task.state = "declined"
        data_object.excluded.add(task.worker_id)
        data_object.declines += 1
        self._free_slot(task)
        if data_object.declines >= self.workers_per_object:
            self._close(data_object, moment)
        self.advance(moment)

    def release(self, task: Task, moment: datetime) -> None:
        _require_open(task)
        task.state = "released"
        self._free_slot(task)
        self.advance(moment)

    def fail_render(self, task: Task, message: str, moment: datetime) -> None:
        """The template could not be rendered for this task's object: the object fails
        (docs/templates.md#render-errors-at-task-time), whatever answers it had."""
        data_object = self._object(task)
        if data_object.state != OPEN:
            return
        self._withdraw_tasks(data_object)
        self.wave_open -= 1
        self.available.pop(data_object.dataset_object_id, None)
        self._fail(data_object, f"ClientError: Task failed to render: [ {message} ]")
        self.update_counters(moment)
        self.advance(moment)

    def _object(self, task: Task) -> DataObject:
        return self.objects[int(task.dataset_object_id)]

    def _free_slot(self, task: Task) -> None:
        data_object = self._object(task)
        data_object.open_tasks.pop(task.worker_id, None)
        self.open_task_of.pop(task.worker_id, None)
        if data_object.state == OPEN:
            self.available[data_object.dataset_object_id] = data_object

    def _withdraw_tasks(self, data_object: DataObject) -> None:
        for task in data_object.open_tasks.values():
            task.state = "withdrawn"
            self.open_task_of.pop(task.worker_id, None)
        data_object.open_tasks.clear()

    def withdraw_all(self) -> None:
        """No more tasks: every open task is withdrawn (stop, failure)."""
        for data_object in self.wave_objects:
            self._withdraw_tasks(data_object)
        self.available.clear()

    # -- consolidation ---------------------------------------------------------------------------

    def _finalize(self, data_object: DataObject, moment: datetime) -> None:
        """The object's answers are final: it joins the next consolidation batch."""
        self._withdraw_tasks(data_object)
        if data_object.state == OPEN:
            self.wave_open -= 1
        self.available.pop(data_object.dataset_object_id, None)
        data_object.state = FINAL
        self.pending.append(data_object)
        if self.pending_since is None:
            self.pending_since = moment
        if len(self.pending) >= BATCH_SIZE or self._stop_condition_met(len(self.pending)):
            self.flush(moment)

    def flush(self, moment: datetime) -> None:
        """Consolidate every pending object, in batches of at most 100
        (docs/engine.md#when-files-appear)."""
        self._consolidate_pending(moment)
        self.update_counters(moment)
        self._check_stop_conditions(moment)

    # -- counters and stopping -------------------------------------------------------------------

    @property
    def eligible_count(self) -> int:
        return len(self.eligible)

    def pending_objects(self) -> int:
        """Eligible objects not yet terminal (`PendingHuman`,
        docs/api.md#listlabelingjobsforworkteam)."""
        return len(self.eligible) - self.labeled - self.failed

    def update_counters(self, moment: datetime) -> None:
        """LabelCounters of docs/engine.md#label-counters; `Unlabeled` counts objects not yet
        dispatched."""
        waiting = sum(1 for o in self.eligible[self.next_queued :] if o.state == QUEUED)
        if self.job.status in TERMINAL_JOB_STATUSES:
            waiting = 0
        self.job.set_counters(
            {
                "TotalLabeled": self.labeled,
                "HumanLabeled": self.labeled,
                "MachineLabeled": 0,
                "FailedNonRetryableError": self.failed,
                "Unlabeled": waiting,
            },
            moment,
        )

    def _stop_condition_met(self, extra_labeled: int = 0) -> bool:
        conditions = self.job.request.get("StoppingConditions") or {}
        labeled = self.labeled + extra_labeled
        most = conditions.get("MaxHumanLabeledObjectCount")
        if most is not None and labeled >= most:
            return True
        percentage = conditions.get("MaxPercentageOfInputDatasetLabeled")
        return percentage is not None and labeled * 100 >= percentage * len(self.objects)

    def _check_stop_conditions(self, moment: datetime) -> None:
        """A met stopping condition stops the job while eligible objects remain
        (docs/api.md#job-status)."""
        if self.job.status != IN_PROGRESS or not self._stop_condition_met():
            return
        if self.pending_objects() == 0 and self.next_queued >= len(self.eligible):
            return  # the last object too: the job completes normally
        self._stop(moment)

    def settle_stop(self, moment: datetime) -> None:
        """`Stopping` → `Stopped`: answers already given are consolidated, the output manifest
        holds what was labeled by then (docs/api.md#stoplabelingjob)."""
        self.withdraw_all()
        for data_object in self.wave_objects:
            if data_object.state == OPEN and data_object.answers:
                data_object.state = FINAL
                self.pending.append(data_object)
        self._consolidate_pending(moment)
        if self.job.status == FAILED_JOB:
            return
        self.writer.output_manifest(o.serialized for o in self.objects)
        self.job.set_status(STOPPED, moment)
        self.update_counters(moment)


def _require_open(task: Task) -> None:
    if task.state == "open":
        return
    reasons = {
        "expired": "its time limit has passed",
        "withdrawn": "it was withdrawn",
        "declined": "it was declined",
        "released": "it was released",
        "submitted": "it was already submitted",
    }
    raise TaskConflict(f"Task {task.task_id} is no longer open: {reasons[task.state]}.")
