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
from itertools import islice
from typing import Any

from consolidation.manifest import EXPIRED_REASON, custom_metadata, failed_line, labeled_line
from consolidation.serialization import dumps
from emulator import ids, lambdas, tasktypes
from emulator.jobs import streaming
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
from emulator.jobs.outputs import OutputWriter, jsonl
from emulator.jobs.s3 import S3Error
from emulator.jobs.tasks import QUEUED, Answer, DataObject, Task, TaskConflict
from emulator.jobs.validation import validate_answer

BATCH_SIZE = 100
BATCH_WAIT = timedelta(seconds=30)
PUBLIC_FIRST_WAVE = 10
# The built-in ACS fits worker quality on the answers of at most this many earlier objects
# (the most recent ones), so that the cost of a job stays linear in its size.
EVIDENCE_LIMIT = 1000
JOB_EXPIRY = timedelta(days=30)
# A standard job still running at its 30-day limit fails with a client error (botocore's
# LabelingJobStoppingConditions: "Labeling jobs fail after 30 days with an appropriate client
# error message").
JOB_EXPIRED_REASON = (
    "ClientError: The labeling job reached its 30-day limit before every data object was "
    "labeled; unfinished objects expired."
)

OPEN = "open"  # dispatched, collecting answers
FINAL = "final"  # answers final, waiting for its consolidation batch
LABELED = "labeled"
FAILED = "failed"
SKIPPED = "skipped"


class JobRun:
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

    def _consolidate_pending(self, moment: datetime) -> None:
        while self.pending:
            batch, self.pending = self.pending[:BATCH_SIZE], self.pending[BATCH_SIZE:]
            self._consolidate(batch, moment)
            if self.job.status == FAILED_JOB:
                return
            self.writer.intermediate_manifest(batch[0].wave, self._manifest_text())
            streaming.after_batch(self, batch, moment)  # streaming hook: output topic
        self.pending_since = None

    def _consolidate(self, batch: list[DataObject], moment: datetime) -> None:
        iteration = batch[0].wave
        response_refs = {
            o.dataset_object_id: self.writer.worker_response(
                o.wave, o.dataset_object_id, moment, o.answers, public=self.public_team
            )
            for o in batch
        }
        acs_arn = self.job.acs_lambda_arn
        builtin = tasktypes.for_arn(acs_arn)
        if builtin is not None and lambdas.registered_handler(acs_arn) is not None:
            builtin = None  # the user's handler replaces gtemu's implementation
        if not acs_arn or (builtin is not None and builtin.consolidation is None):
            for data_object in batch:
                metadata = custom_metadata(
                    self.job.name, moment, response_refs[data_object.dataset_object_id]
                )
                content = {self.job.label_attribute_name: {},
                           f"{self.job.label_attribute_name}-metadata": metadata}
                self._label(data_object, content)
            return
        items = [self._payload_item(o) for o in batch]
        stamp = self.writer.batch_stamp(iteration, moment)
        payload_uri = self.writer.consolidation_request(iteration, stamp, items)
        try:
            response = self._run_acs(acs_arn, builtin, items, batch, payload_uri, moment)
        except lambdas.LambdaInvocationFailed as error:
            self._fail_job(error.reason, moment)
            return
        try:
            results = lambdas.acs_results(response)
        except Exception as error:  # a malformed response fails the batch's objects
            problem = lambdas.describe_error(error)
            reason = f"ClientError: Post-annotation Lambda {acs_arn} failed: {problem}"
            for data_object in batch:
                self._fail(data_object, reason)
            return
        self.writer.consolidation_response(iteration, stamp, response)
        self._trim_evidence()
        custom = builtin is None
        for data_object in batch:
            content = results.get(data_object.dataset_object_id)
            if content is None:
                self._fail(
                    data_object,
                    "ClientError: Post-annotation Lambda returned no result for this object.",
                )
                continue
            attribute = self.job.label_attribute_name
            if attribute not in content:
                self._fail(
                    data_object,
                    f"ClientError: Post-annotation Lambda {acs_arn} failed: the result for "
                    f'object {data_object.dataset_object_id} has no "{attribute}" key',
                )
                continue
            if custom and f"{attribute}-metadata" not in content:
                content = {
                    **content,
                    f"{self.job.label_attribute_name}-metadata": custom_metadata(
                        self.job.name, moment
                    ),
                }
            self._label(data_object, content)

    def _run_acs(
        self,
        arn: str,
        builtin: tasktypes.TaskType | None,
        items: list[dict[str, Any]],
        batch: list[DataObject],
        payload_uri: str,
        moment: datetime,
    ) -> Any:
        if builtin is not None and builtin.consolidation is not None:
            consolidate = builtin.consolidation
            if self.evidence is None:
                self.evidence = consolidate.new_evidence(self.inputs.labels or [])
            # gtemu's own consolidations also see each object's input line (an adjustment
            # compares the workers' boxes with the earlier job's); the payload file written to
            # S3 keeps the documented shape. One whose labels are files (label maps) writes them
            # beside the other consolidated outputs.
            files = {
                "write_file": self.writer.consolidated_output,
                "read_file": self.writer.store.read,  # an earlier job's label maps
            } if getattr(consolidate, "writes_files", False) else {}
            return consolidate(
                [{**item, "manifestLine": o.line} for item, o in zip(items, batch, strict=True)],
                evidence=self.evidence,
                label_categories=self.inputs.labels or [],
                label_attribute_name=self.job.label_attribute_name,
                job_name=self.job.name,
                workers_per_object=self.workers_per_object,
                now=moment,
                **files,
            )
        event = lambdas.consolidation_event(
            job_arn=self.job.arn,
            label_categories=self.inputs.labels,
            label_attribute_name=self.job.label_attribute_name,
            role_arn=self.job.request["RoleArn"],
            payload_uri=payload_uri,
            output_config=self.writer.uri("annotations"),
            workers_per_object=self.workers_per_object,
        )
        return lambdas.invoke(arn, event, role_arn=self.job.request["RoleArn"])

    def _fail_job(self, reason: str, moment: datetime) -> None:
        """The job fails (its consolidation Lambda raised or timed out): no more tasks, and
        objects still pending are not consolidated."""
        self.job.fail(reason, moment)
        self.pending = []
        self.pending_since = None
        self.withdraw_all()
        self.update_counters(moment)

    def _payload_item(self, data_object: DataObject) -> dict[str, Any]:
        """One element of the consolidation request (docs/engine.md#consolidation-request-files)."""
        key = self.inputs.task.source_of(data_object.line)
        source = data_object.line.get(key)
        is_uri = key == "source-ref" or self.inputs.task.image
        data = {"s3Uri": source} if is_uri else {"content": source}
        return {
            "datasetObjectId": data_object.dataset_object_id,
            "dataObject": data,
            "annotations": [
                {"workerId": a.worker_id, "annotationData": {"content": dumps(a.content)}}
                for a in data_object.answers
            ],
        }

    def _trim_evidence(self) -> None:
        """Keep the answers of the most recent EVIDENCE_LIMIT objects as evidence."""
        objects = getattr(self.evidence, "objects", None)
        if objects is None:
            return
        for dataset_object_id in list(islice(objects, max(len(objects) - EVIDENCE_LIMIT, 0))):
            del objects[dataset_object_id]

    def _frame_wave(self, wave: list[DataObject]) -> None:
        if not wave:
            self._frame = None
            return
        start, stop = int(wave[0].dataset_object_id), int(wave[-1].dataset_object_id) + 1
        before = jsonl(o.serialized for o in self.objects[:start])
        after = jsonl(o.serialized for o in self.objects[stop:])
        self._frame = (start, stop, before, after)

    def _manifest_text(self) -> str:
        if self._frame is None:
            return jsonl(o.serialized for o in self.objects)
        start, stop, before, after = self._frame
        return before + jsonl(o.serialized for o in self.objects[start:stop]) + after

    def _reserialize(self, data_object: DataObject, line: dict[str, Any]) -> None:
        """A new output line for the object; outside the current wave it voids the frame."""
        data_object.serialized = dumps(line)
        if self._frame is not None:
            start, stop, _, _ = self._frame
            if not start <= int(data_object.dataset_object_id) < stop:
                self._frame = None

    def _label(self, data_object: DataObject, content: dict[str, Any]) -> None:
        line = labeled_line(data_object.line, self.job.label_attribute_name, content)
        self._reserialize(data_object, line)
        data_object.state = LABELED
        self.labeled += 1

    def _fail(self, data_object: DataObject, reason: str) -> None:
        line = failed_line(data_object.line, self.job.label_attribute_name, reason)
        self._reserialize(data_object, line)
        data_object.state = FAILED
        self.failed += 1

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
