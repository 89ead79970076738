"""Job status events on moto's EventBridge: the documented `SageMaker Ground Truth Labeling Job
State Change` event reaches rules with SQS, SNS and (registered Python) Lambda targets."""

from __future__ import annotations

import json

import boto3

from emulator.testing import GroundTruth

REGION = "us-east-1"
ACCOUNT = "123456789012"
ANSWER = {"crowd-image-classifier-multi-select": {"labels": ["cat"]}}
PATTERN = {"source": ["aws.sagemaker"],
           "detail-type": ["SageMaker Ground Truth Labeling Job State Change"]}


def _rule_to_queue(name: str, pattern: dict | None = None) -> str:
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    events.put_rule(Name=name, EventPattern=json.dumps(pattern or PATTERN))
    events.put_targets(Rule=name, Targets=[
        {"Id": "queue", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"}])
    return url


def _received(url: str) -> list[dict]:
    sqs = boto3.client("sqs", region_name=REGION)
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in found]


def _job(gt: GroundTruth, name: str) -> str:
    uris = gt.upload_inputs(2, labels=["cat", "dog"])
    return gt.create_job(name, uris, workers_per_object=1)


def test_completed_stopped_and_failed_jobs_send_the_documented_event(groundtruth):
    gt = groundtruth
    url = _rule_to_queue("job-states")
    done = _job(gt, "Done")
    gt.complete_job("Done", answer=lambda task_input, worker: ANSWER)
    stopped = _job(gt, "Halted")
    gt.sagemaker.stop_labeling_job(LabelingJobName="Halted")
    gt.status("Halted")  # seen `Stopping`
    assert gt.status("Halted") == "Stopped"
    failed = _job(gt, "Broken")
    gt.fail_job("Broken", "ClientError: for the test")

    received = _received(url)
    assert [(e["resources"], e["detail"]) for e in received] == [
        ([done], {"LabelingJobStatus": "Completed"}),
        ([stopped], {"LabelingJobStatus": "Stopped"}),
        ([failed], {"LabelingJobStatus": "Failed"}),
    ]
    for event in received:
        assert event["source"] == "aws.sagemaker"
        assert event["detail-type"] == "SageMaker Ground Truth Labeling Job State Change"
        assert event["region"] == REGION
        assert event["time"].endswith("Z")


def test_no_event_for_statuses_aws_does_not_document(groundtruth):
    gt = groundtruth
    url = _rule_to_queue("job-states")
    _job(gt, "Running")  # Initializing → InProgress
    gt.sagemaker.stop_labeling_job(LabelingJobName="Running")  # → Stopping
    assert _received(url) == []


def test_a_rule_filtering_on_the_status_gets_only_that_status(groundtruth):
    gt = groundtruth
    url = _rule_to_queue("failures", {**PATTERN, "detail": {"LabelingJobStatus": ["Failed"]}})
    _job(gt, "Done")
    gt.complete_job("Done", answer=lambda task_input, worker: ANSWER)
    failed = _job(gt, "Broken")
    gt.fail_job("Broken", "ClientError: for the test")
    assert [e["resources"] for e in _received(url)] == [[failed]]


def test_a_job_failed_at_initialization_sends_the_event(groundtruth):
    gt = groundtruth
    url = _rule_to_queue("job-states")
    uris = gt.upload_inputs(2, labels=["cat", "dog"])
    gt.put_object(uris["manifest"], "not json\n")
    arn = gt.create_job("Bad", uris, workers_per_object=1)
    assert gt.status("Bad") == "Failed"
    assert [(e["resources"], e["detail"]) for e in _received(url)] == [
        ([arn], {"LabelingJobStatus": "Failed"})]


def test_sns_and_lambda_targets_receive_the_event(groundtruth):
    gt = groundtruth
    events = boto3.client("events", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="job-news")["TopicArn"]
    url = sqs.create_queue(QueueName="job-news")["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Attributes={"RawMessageDelivery": "true"},
                  Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:job-news")
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:on-job-state"
    seen: list[dict] = []
    gt.register_lambda(function, lambda event, context: seen.append(event))
    events.put_rule(Name="fan-out", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="fan-out", Targets=[{"Id": "topic", "Arn": topic},
                                                {"Id": "function", "Arn": function}])
    arn = _job(gt, "Done")
    gt.complete_job("Done", answer=lambda task_input, worker: ANSWER)

    [published] = _received(url)
    assert published["detail"] == {"LabelingJobStatus": "Completed"}
    assert published["resources"] == [arn] and published["account"] == ACCOUNT
    [event] = seen
    assert event["detail-type"] == "SageMaker Ground Truth Labeling Job State Change"
    assert event["resources"] == [arn]


def test_a_disabled_rule_gets_nothing(groundtruth):
    gt = groundtruth
    url = _rule_to_queue("off")
    boto3.client("events", region_name=REGION).disable_rule(Name="off")
    _job(gt, "Done")
    gt.complete_job("Done", answer=lambda task_input, worker: ANSWER)
    assert _received(url) == []
