"""Streaming labeling jobs under `mock_aws`: data objects arrive over moto's SNS input topic,
labeled objects leave over the output topic, read back from an SQS queue subscribed to it."""

from __future__ import annotations

import json
import logging

import boto3
import pytest

from emulator.testing import GroundTruth

LABELS = ["cat", "dog", "bird"]
REGION = "us-east-1"
ANSWER = {"crowd-image-classifier-multi-select": {"labels": ["cat"]}}


class Pipeline:
    """A streaming job with an input topic, an output topic and a queue subscribed to it."""

    def __init__(self, gt: GroundTruth, name: str = "Stream", manifest: int | None = None,
                 **overrides) -> None:
        self.gt = gt
        self.name = name
        self.sns = boto3.client("sns", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.input_topic = self.sns.create_topic(Name=f"{name}-input")["TopicArn"]
        self.output_topic = self.sns.create_topic(Name=f"{name}-output")["TopicArn"]
        self.results = self.sqs.create_queue(QueueName=f"{name}-results")["QueueUrl"]
        results_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.results, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.output_topic, Protocol="sqs", Endpoint=results_arn,
                           Attributes={"RawMessageDelivery": "true"})
        self.uris = gt.upload_inputs(manifest or 1, labels=LABELS)
        data_source: dict = {"SnsDataSource": {"SnsTopicArn": self.input_topic}}
        if manifest:
            data_source["S3DataSource"] = {"ManifestS3Uri": self.uris["manifest"]}
        gt.create_job(name, self.uris, label_attribute_name="animals", workers_per_object=1,
                      InputConfig={"DataSource": data_source},
                      OutputConfig={"S3OutputPath": self.uris["output"],
                                    "SnsTopicArn": self.output_topic},
                      **overrides)

    def send(self, message: str | dict) -> None:
        body = message if isinstance(message, str) else json.dumps(message)
        self.sns.publish(TopicArn=self.input_topic, Message=body)

    def labeled(self) -> list[dict]:
        messages = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.results, MaxNumberOfMessages=10)
            if not got.get("Messages"):
                return messages
            for message in got["Messages"]:
                messages.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.results,
                                        ReceiptHandle=message["ReceiptHandle"])


def _image(index: int) -> str:
    return f"s3://gtemu-test/stream/{index}.jpg"


def test_published_objects_are_labeled_and_sent_to_the_output_topic(groundtruth):
    gt = groundtruth
    pipeline = Pipeline(gt)
    sqs = boto3.client("sqs", region_name=REGION)
    # The queue Ground Truth creates, subscribed to the input topic.
    queue_url = sqs.get_queue_url(QueueName="GroundTruth-stream")["QueueUrl"]
    subscriptions = pipeline.sns.list_subscriptions_by_topic(TopicArn=pipeline.input_topic)
    assert [s["Endpoint"].rsplit(":", 1)[1] for s in subscriptions["Subscriptions"]] == [
        "GroundTruth-stream"]

    for index in range(3):
        pipeline.send({"source-ref": _image(index)})
    described = gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    assert described["LabelingJobStatus"] == "InProgress"
    assert described["LabelCounters"]["HumanLabeled"] == 3

    labeled = pipeline.labeled()
    assert [line["source-ref"] for line in labeled] == [_image(i) for i in range(3)]
    assert all(line["animals"] == [0] for line in labeled)
    assert all(line["animals-metadata"]["job-name"] == "labeling-job/stream" for line in labeled)
    # The output manifest grows as objects finish.
    assert [line["source-ref"] for line in gt.output_manifest("Stream")] == [
        _image(i) for i in range(3)]
    assert sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"

    pipeline.send({"source-ref": _image(3)})
    gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    assert [line["source-ref"] for line in pipeline.labeled()] == [_image(3)]
    assert len(gt.output_manifest("Stream")) == 4


def test_input_manifest_objects_come_first_and_messages_wait_in_the_queue(groundtruth):
    gt = groundtruth
    pipeline = Pipeline(gt, manifest=2, MaxConcurrentTaskCount=2)
    for index in range(3):
        pipeline.send({"source-ref": _image(index)})
    run = gt.job("Stream").run
    # The manifest's two objects are the first wave; the messages wait in the queue.
    assert run.stream.queue_depth() == 3
    assert run.stream.received == 0
    gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    assert run.stream.queue_depth() == 0 and run.stream.received == 3
    sources = [line["source-ref"] for line in gt.output_manifest("Stream")]
    assert sources[2:] == [_image(i) for i in range(3)] and len(sources) == 5


def test_stop_unsubscribes_and_later_messages_are_not_labeled(groundtruth):
    gt = groundtruth
    pipeline = Pipeline(gt)
    pipeline.send({"source-ref": _image(0)})
    gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    gt.sagemaker.stop_labeling_job(LabelingJobName="Stream")
    assert gt.status("Stream") == "Stopping"
    assert gt.status("Stream") == "Stopped"
    assert pipeline.sns.list_subscriptions_by_topic(
        TopicArn=pipeline.input_topic)["Subscriptions"] == []
    pipeline.send({"source-ref": _image(1)})
    gt.advance(60)
    assert gt.describe("Stream")["LabelCounters"]["HumanLabeled"] == 1
    assert len(gt.output_manifest("Stream")) == 1


def test_a_job_idle_for_ten_days_stops(groundtruth):
    gt = groundtruth
    pipeline = Pipeline(gt)
    pipeline.send({"source-ref": _image(0)})
    gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    gt.advance(9 * 24 * 3600)
    assert gt.status("Stream") == "InProgress"
    gt.advance(24 * 3600)
    assert gt.status("Stream") == "Stopping"
    assert gt.status("Stream") == "Stopped"
    assert pipeline.sns.list_subscriptions_by_topic(
        TopicArn=pipeline.input_topic)["Subscriptions"] == []


def test_a_message_keeps_the_job_from_idling(groundtruth):
    gt = groundtruth
    pipeline = Pipeline(gt)
    gt.advance(9 * 24 * 3600)
    pipeline.send({"source-ref": _image(0)})
    gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    gt.advance(9 * 24 * 3600)
    assert gt.status("Stream") == "InProgress"


def test_duplicates_by_the_deduplication_attribute_are_dropped(groundtruth):
    gt = groundtruth
    pipeline = Pipeline(gt)
    # The documented forms: a key of one's own, and an existing key (source-ref).
    pipeline.send({"source-ref": _image(0), "dataset-objectid-attribute-name": "byo-key",
                   "byo-key": "object-1"})
    pipeline.send({"source-ref": _image(1), "dataset-objectid-attribute-name": "byo-key",
                   "byo-key": "object-1"})
    pipeline.send({"source-ref": _image(2), "dataset-objectid-attribute-name": "source-ref"})
    pipeline.send({"source-ref": _image(2), "dataset-objectid-attribute-name": "source-ref"})
    pipeline.send({"source-ref": _image(3)})
    gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    sources = [line["source-ref"] for line in gt.output_manifest("Stream")]
    assert sources == [_image(0), _image(2), _image(3)]
    assert gt.job("Stream").run.stream.duplicates == 2


def test_malformed_messages_are_dropped_with_a_log_line_and_the_job_goes_on(groundtruth, caplog):
    gt = groundtruth
    pipeline = Pipeline(gt)
    caplog.set_level(logging.WARNING, logger="emulator.jobs.streaming")
    pipeline.send("not json at all")
    pipeline.send({"no-source": "here"})
    pipeline.send("__import__('os').system('echo pwned')")
    pipeline.send({"source-ref": _image(0)})
    described = gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    assert described["LabelingJobStatus"] == "InProgress"
    assert [line["source-ref"] for line in gt.output_manifest("Stream")] == [_image(0)]
    dropped = [r.getMessage() for r in caplog.records if "dropped message" in r.getMessage()]
    assert len(dropped) == 3
    assert "not json at all" in dropped[0]
    assert 'Line has no "source-ref" or "source" key' in dropped[1]
    assert gt.job("Stream").run.stream.dropped == 3


def test_python_literal_messages_like_aws_notebooks_send_are_labeled_with_a_warning(
        groundtruth, caplog):
    gt = groundtruth
    pipeline = Pipeline(gt)
    caplog.set_level(logging.WARNING, logger="emulator.jobs.streaming")
    pipeline.send(str({"source-ref": _image(0)}))  # as AWS's streaming notebooks publish
    pipeline.send(json.dumps({"source-ref": _image(1)}))
    gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    labeled = pipeline.labeled()
    assert [line["source-ref"] for line in labeled] == [_image(0), _image(1)]
    assert labeled[0]["animals"] == labeled[1]["animals"] == [0]
    [warning] = gt.job("Stream").run.stream.warnings
    assert "not JSON but a Python literal" in warning
    assert any("not JSON but a Python literal" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("literal", [
    "{'source-ref': ['s3://gtemu-test/a.jpg']}",  # not a dict of strings
    "{'source-ref': 's3://gtemu-test/a.jpg', 'n': 1}",
    "('source-ref', 's3://gtemu-test/a.jpg')",
])
def test_other_python_literals_are_dropped(groundtruth, literal):
    gt = groundtruth
    pipeline = Pipeline(gt)
    pipeline.send(literal)
    gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    assert gt.job("Stream").run.stream.dropped == 1
    assert gt.job("Stream").run.stream.warnings == []


def test_a_missing_input_topic_fails_the_job(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(1, labels=LABELS)
    topic = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    gt.create_job("Stream", uris, workers_per_object=1,
                  InputConfig={"DataSource": {"SnsDataSource": {"SnsTopicArn": topic}}})
    described = gt.describe("Stream")
    assert described["LabelingJobStatus"] == "Failed"
    assert described["FailureReason"] == (
        f"ClientError: Unable to access the input SNS topic ({topic}).")


def test_a_standard_job_with_an_output_topic_publishes_each_labeled_object(groundtruth):
    gt = groundtruth
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="labeled")["TopicArn"]
    url = sqs.create_queue(QueueName="labeled")["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:"
                  "labeled", Attributes={"RawMessageDelivery": "true"})
    uris = gt.upload_inputs(2, labels=LABELS)
    gt.create_job("Standard", uris, label_attribute_name="animals", workers_per_object=1,
                  OutputConfig={"S3OutputPath": uris["output"], "SnsTopicArn": topic})
    gt.complete_job("Standard", answer=lambda task_input, worker: ANSWER)
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert sorted(bodies, key=lambda line: line["source-ref"]) == gt.output_manifest("Standard")


def test_messages_published_while_initializing_wait_for_the_job(groundtruth):
    gt = groundtruth
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="early")["TopicArn"]
    uris = gt.upload_inputs(1, labels=LABELS)
    gt.create_job("Early", uris, workers_per_object=1, initialize=False,
                  InputConfig={"DataSource": {"SnsDataSource": {"SnsTopicArn": topic}}})
    assert gt.status("Early") == "Initializing"
    sns.publish(TopicArn=topic, Message=json.dumps({"source-ref": _image(0)}))
    gt.complete_job("Early", answer=lambda task_input, worker: ANSWER)
    assert [line["source-ref"] for line in gt.output_manifest("Early")] == [_image(0)]


def test_a_job_failing_at_initialization_unsubscribes_its_queue(groundtruth):
    gt = groundtruth
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="in")["TopicArn"]
    uris = gt.upload_inputs(1, labels=LABELS)
    gt.put_object(uris["template"], "{% if %}")
    gt.create_job("Broken", uris, workers_per_object=1,
                  InputConfig={"DataSource": {"SnsDataSource": {"SnsTopicArn": topic}}})
    assert gt.status("Broken") == "Failed"
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


@pytest.mark.parametrize("message", [
    json.dumps({"source-ref": "s3://gtemu-test/a.jpg", "note": "x" * 120_000}),  # too long
    "{'a': " * 5000 + "'b'" + "}" * 5000,  # deeply nested literal
    "[" * 100_000,  # deeply nested JSON, too long
])
def test_hostile_messages_are_dropped_and_the_job_goes_on(groundtruth, message):
    gt = groundtruth
    pipeline = Pipeline(gt)
    pipeline.send(message)
    pipeline.send({"source-ref": _image(0)})
    described = gt.complete_job("Stream", answer=lambda task_input, worker: ANSWER)
    assert described["LabelingJobStatus"] == "InProgress"
    assert [line["source-ref"] for line in gt.output_manifest("Stream")] == [_image(0)]
    assert gt.job("Stream").run.stream.dropped == 1
