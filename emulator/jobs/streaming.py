"""Streaming labeling jobs (`InputConfig.DataSource.SnsDataSource`), on moto's SNS and SQS.

As Ground Truth does (docs/streaming.md):

* at initialization the job creates the SQS queue `GroundTruth-<job name in lower case>` in
  its account and region and subscribes it to the input topic (a missing topic fails the job:
  the job cannot reach its input data source);
* while the job is `InProgress`, messages published to the topic wait in that queue until the
  job has room for them: whenever no object of the job is being worked, the job takes up to
  `MaxConcurrentTaskCount` messages and each becomes a data object, dispatched as a wave. The
  queue depth is therefore the number of objects waiting;
* a message is a JSON object like a manifest line (`source-ref` or `source`). With
  `dataset-objectid-attribute-name`, the value of the attribute it names is the object's
  deduplication id, and a second message with the same id is dropped. A message that is a
  Python literal dict of strings (`str({"source-ref": "s3://…"})`, as AWS's own streaming
  notebooks publish) is read with `ast.literal_eval` (never evaluated) and labeled like
  the JSON form, with a warning on the job. Any other message is dropped with a log line
  naming it; the job goes on;
* each labeled object is published to `OutputConfig.SnsTopicArn` (for every job that has one)
  as its output-manifest line, and a streaming job's output manifest is rewritten after every
  consolidation batch, so it grows as objects finish;
* StopLabelingJob (or ten days without a new object and with nothing being worked) ends the
  job and unsubscribes the queue. The queue itself is left in place, as an SQS resource of the
  account that the user may inspect or delete.
"""

from __future__ import annotations

import ast
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from consolidation.serialization import dumps
from emulator import events
from emulator.jobs.inputs import MAX_LINE_CHARACTERS, InputError, parse_line

if TYPE_CHECKING:
    from emulator.jobs.job import LabelingJob
    from emulator.jobs.run import DataObject, JobRun

logger = logging.getLogger(__name__)

QUEUE_PREFIX = "GroundTruth-"
DEDUPLICATION_ATTRIBUTE = "dataset-objectid-attribute-name"
IDLE_STOP = timedelta(days=10)
# SQS visibility for messages being read; they are deleted at once, so this only matters if
# a read fails half-way (the message then comes back).
_VISIBILITY_SECONDS = 30
_SQS_BATCH = 10  # ReceiveMessage returns at most 10 messages
_SHOWN_CHARACTERS = 200  # how much of a dropped message a log line shows
MAX_WARNINGS = 50


def queue_name(job_name: str) -> str:
    """The documented name of the queue Ground Truth creates for a streaming job."""
    return QUEUE_PREFIX + job_name.lower()


def input_topic(job: LabelingJob) -> str | None:
    source = job.request["InputConfig"]["DataSource"].get("SnsDataSource") or {}
    return source.get("SnsTopicArn")


def output_topic(job: LabelingJob) -> str | None:
    return job.request["OutputConfig"].get("SnsTopicArn") or None


@dataclass
class StreamingFeed:
    """The input side of one streaming job: its SQS queue and what came through it."""

    job_name: str
    account_id: str
    region: str
    topic_arn: str
    task_type: str
    queue: str = ""
    subscription_arn: str | None = None
    received: int = 0  # data objects that came in over the topic
    dropped: int = 0  # messages that were not data objects (logged)
    duplicates: int = 0  # messages whose deduplication id was seen before
    last_activity: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    _seen_ids: set[str] = field(default_factory=set)

    # -- life cycle ------------------------------------------------------------------------

    def open(self, moment: datetime) -> None:
        """Create the job's queue and subscribe it to the input topic; InputError if the
        topic does not exist."""
        if not events.topic_exists(self.topic_arn):
            raise InputError(f"Unable to access the input SNS topic ({self.topic_arn}).")
        self.queue = queue_name(self.job_name)
        sqs = events.sqs_backend(self.account_id, self.region)
        sqs.create_queue(self.queue)
        queue_arn = f"arn:aws:sqs:{self.region}:{self.account_id}:{self.queue}"
        subscription = events.sns_backend(self.topic_arn).subscribe(
            self.topic_arn, queue_arn, "sqs"
        )
        self.subscription_arn = subscription.arn
        self.last_activity = moment

    def close(self) -> None:
        """Unsubscribe the queue from the input topic (the job has ended)."""
        if self.subscription_arn is None:
            return
        try:
            events.sns_backend(self.topic_arn).unsubscribe(self.subscription_arn)
        except Exception:  # the topic may be gone already
            logger.warning("streaming job %s: could not unsubscribe %s", self.job_name,
                           self.subscription_arn)
        self.subscription_arn = None

    @property
    def subscribed(self) -> bool:
        return self.subscription_arn is not None

    # -- reading ---------------------------------------------------------------------------

    def queue_depth(self) -> int:
        """Messages waiting in the job's queue (SQS `ApproximateNumberOfMessages`)."""
        if not self.queue:
            return 0
        try:
            queue = events.sqs_backend(self.account_id, self.region).get_queue(self.queue)
        except Exception:  # deleted by the user
            return 0
        return int(queue.approximate_number_of_messages)

    def take(self, limit: int, moment: datetime) -> list[dict[str, Any]]:
        """Up to `limit` new data objects (manifest lines) from the queue, in arrival order.
        Messages that are not data objects are dropped with a log line."""
        lines: list[dict[str, Any]] = []
        if not self.subscribed or limit <= 0:
            return lines
        sqs = events.sqs_backend(self.account_id, self.region)
        while len(lines) < limit:
            try:
                messages = sqs.receive_message(
                    self.queue, min(_SQS_BATCH, limit - len(lines)), 0, _VISIBILITY_SECONDS
                )
            except Exception:  # the queue was deleted: nothing more arrives
                logger.warning("streaming job %s: its queue %s cannot be read", self.job_name,
                               self.queue)
                return lines
            if not messages:
                break
            for message in messages:
                line = self._data_object(message.body, message.id)
                sqs.delete_message(self.queue, message.receipt_handle)
                if line is not None:
                    lines.append(line)
        if lines:
            self.received += len(lines)
            self.last_activity = moment
        return lines

    def _data_object(self, body: str, message_id: str) -> dict[str, Any] | None:
        text = _unwrap_notification(body)
        where = f"message {message_id}"
        line, literal = _parse_message(text)
        if line is None:
            return self._drop(message_id, text, "it is not a JSON object")
        try:
            line = parse_line(dumps(line), f"SNS {where}", 1, self.task_type)
        except InputError as error:
            return self._drop(message_id, text, error.reason.removeprefix("ClientError: "))
        if literal:
            self._warn(
                f"Message {message_id} is not JSON but a Python literal; it was read as "
                f"{dumps(line)[:_SHOWN_CHARACTERS]}. Publish JSON (json.dumps) instead."
            )
        dedup_id = deduplication_id(line)
        if dedup_id is not None:
            if dedup_id in self._seen_ids:
                self.duplicates += 1
                logger.info("streaming job %s: dropped message %s, a duplicate of "
                            "deduplication id %r", self.job_name, message_id, dedup_id)
                return None
            self._seen_ids.add(dedup_id)
        return line

    def _drop(self, message_id: str, text: str, why: str) -> None:
        self.dropped += 1
        logger.warning("streaming job %s: dropped message %s (%s): %s", self.job_name,
                       message_id, why, text[:_SHOWN_CHARACTERS])
        return None

    def _warn(self, warning: str) -> None:
        logger.warning("streaming job %s: %s", self.job_name, warning)
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(warning)


def deduplication_id(line: dict[str, Any]) -> str | None:
    """The deduplication id of a message: the value of the key that
    `dataset-objectid-attribute-name` names (which may be `source-ref` itself)."""
    key = line.get(DEDUPLICATION_ATTRIBUTE)
    if not isinstance(key, str):
        return None
    value = line.get(key)
    return None if value is None else json.dumps(value, sort_keys=True)


def _unwrap_notification(body: str) -> str:
    """The published message: SNS wraps it in a notification envelope unless the
    subscription asks for raw delivery."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return body
    if isinstance(envelope, dict) and envelope.get("Type") == "Notification" and isinstance(
        envelope.get("Message"), str
    ):
        return envelope["Message"]
    return body


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_message(text: str) -> tuple[dict[str, Any] | None, bool]:
    """(line, was a Python literal). JSON first; then a Python literal dict whose keys and
    values are all strings, parsed by `ast.literal_eval` (which evaluates nothing)."""
    if len(text) > MAX_LINE_CHARACTERS:
        return None, False
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict):
        return value, False
    if value is not None:
        return None, False
    try:
        literal = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None, False
    if isinstance(literal, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in literal.items()
    ):
        return literal, True
    return None, False


# -- engine hooks ------------------------------------------------------------------------------


def admit_messages(run: JobRun, moment: datetime) -> bool:
    """Called when no object of a streaming job is being worked: turn up to a wave's worth of
    waiting messages into data objects. True if any object was added."""
    feed = run.stream
    if feed is None:
        return False
    lines = feed.take(run.wave_size, moment)
    return run.add_objects(lines) > 0


def idle_stop_due(run: JobRun, moment: datetime) -> bool:
    """Ten days without a new data object, with nothing being worked or waiting."""
    feed = run.stream
    if feed is None or feed.last_activity is None:
        return False
    return moment - feed.last_activity >= IDLE_STOP and feed.queue_depth() == 0


def idle_stop_at(run: JobRun) -> datetime | None:
    feed = run.stream
    if feed is None or feed.last_activity is None or not feed.subscribed:
        return None
    return feed.last_activity + IDLE_STOP


def after_batch(run: JobRun, batch: list[DataObject], moment: datetime) -> None:
    """A consolidation batch is written: publish its labeled objects to the output topic;
    a streaming job's output manifest grows by them."""
    topic = output_topic(run.job)
    if topic is not None:
        for data_object in batch:
            if data_object.state == "labeled":
                try:
                    events.publish(topic, data_object.serialized)
                except Exception as error:
                    logger.warning("labeling job %s: cannot publish object %s to %s: %s",
                                   run.job.name, data_object.dataset_object_id, topic, error)
    if run.stream is not None:
        run.stream.last_activity = moment
        run.writer.output_manifest(o.serialized for o in run.objects)


def subscribe_at_creation(job: LabelingJob, moment: datetime) -> StreamingFeed | None:
    """The queue of a streaming job, created and subscribed when the job is created (so that
    messages published while it is `Initializing` wait for it); None for a standard job or a
    topic that does not exist (initialization then fails the job)."""
    topic = input_topic(job)
    if topic is None or not events.topic_exists(topic):
        return None
    feed = StreamingFeed(job.name, job.account_id, job.region, topic, task_type="")
    feed.open(moment)
    return feed


def open_feed(
    job: LabelingJob, task_type: str, moment: datetime, early: StreamingFeed | None = None
) -> StreamingFeed | None:
    """The feed of a streaming job at initialization, subscribed; None for a standard job.
    InputError if its input topic does not exist."""
    topic = input_topic(job)
    if topic is None:
        return None
    feed = early or StreamingFeed(job.name, job.account_id, job.region, topic, task_type)
    feed.task_type = task_type
    if not feed.subscribed:
        feed.open(moment)
    return feed


def stream_status(job: LabelingJob) -> dict[str, Any] | None:
    """What the dashboard shows of a streaming job (None for a standard job): its queue, the
    messages waiting in it, the objects received, messages dropped and warnings."""
    topic = input_topic(job)
    if topic is None:
        return None
    with job.lock:
        feed = job.run.stream if job.run is not None else None
        if feed is None:
            return {"topic": topic, "queue": queue_name(job.name), "queue_depth": 0,
                    "received": 0, "dropped": 0, "duplicates": 0, "subscribed": False,
                    "warnings": []}
        return {
            "topic": topic,
            "queue": feed.queue,
            "queue_depth": feed.queue_depth(),
            "received": feed.received,
            "dropped": feed.dropped,
            "duplicates": feed.duplicates,
            "subscribed": feed.subscribed,
            "warnings": list(feed.warnings),
        }
