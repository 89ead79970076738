"""Consolidation batches and output lines of a running job (a part of `JobRun`).

A batch of finished objects goes through the job's consolidation (gtemu's own or the user's
Lambda) and becomes labeled or failed output lines; the intermediate manifest is rewritten after
each batch (docs/engine.md#when-files-appear). `JobRun` inherits these methods; they use its
state (`objects`, `pending`, `evidence`, `writer`, `job`, `inputs`).
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any

from consolidation.manifest import custom_metadata, failed_line, labeled_line
from consolidation.serialization import dumps
from emulator import lambdas, tasktypes
from emulator.jobs import streaming
from emulator.jobs.job import (
    FAILED as FAILED_JOB,
)
from emulator.jobs.outputs import jsonl
from emulator.jobs.tasks import FAILED, LABELED, DataObject

BATCH_SIZE = 100
# The built-in ACS fits worker quality on the answers of at most this many earlier objects
# (the most recent ones), so that the cost of a job stays linear in its size.
EVIDENCE_LIMIT = 1000


class BatchesAndLines:
    """The batch and output-line methods of `JobRun`."""

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
