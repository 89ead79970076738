"""A streaming labeling job against `gtemu serve` (a subprocess), with unchanged boto3 code:
data objects published to the SNS input topic, worked by `gtemu work`, read back from an SQS
queue subscribed to the output topic; the job's EventBridge events reach an SQS target."""

from __future__ import annotations

import json
import subprocess
import time

import boto3
import pytest

from emulator.commands.demo import (
    BUCKET,
    LABEL_ATTRIBUTE,
    REGION,
    ROLE_ARN,
    clients,
    create_job,
    create_team,
    upload_inputs,
)
from emulator.lambdas import BUILTIN_ACCOUNTS

from .test_end_to_end import ENV, GTEMU, STATE_DIR, served  # noqa: F401  (the `gtemu serve` fixture)

pytestmark = pytest.mark.slow
ACCOUNT = "123456789012"
JOB = "stream-shapes"


def _client(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _drain(sqs, url: str, wanted: int, timeout: float = 90.0) -> list[dict]:
    """Messages of the queue until `wanted` have arrived (or the time is up)."""
    bodies: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(bodies) < wanted and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def test_streaming_job_over_sns_and_sqs_with_gtemu_work(served):  # noqa: F811
    endpoint, ui = served
    sagemaker, s3 = clients(endpoint)
    sns, sqs, events = (_client(name, endpoint) for name in ("sns", "sqs", "events"))
    uris = upload_inputs(s3, 3)
    manifest = s3.get_object(Bucket=BUCKET, Key=uris["manifest"].split("/", 3)[3])
    sources = [json.loads(line)["source-ref"]
               for line in manifest["Body"].read().decode().splitlines()]

    input_topic = sns.create_topic(Name="shapes-in")["TopicArn"]
    output_topic = sns.create_topic(Name="shapes-out")["TopicArn"]
    results_url, results_arn = _queue(sqs, "shapes-labeled")
    sns.subscribe(TopicArn=output_topic, Protocol="sqs", Endpoint=results_arn,
                  Attributes={"RawMessageDelivery": "true"})
    events_url, events_arn = _queue(sqs, "shapes-job-events")
    events.put_rule(Name="job-states", EventPattern=json.dumps({
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Ground Truth Labeling Job State Change"]}))
    events.put_targets(Rule="job-states", Targets=[{"Id": "q", "Arn": events_arn}])

    functions = f"arn:aws:lambda:{REGION}:{BUILTIN_ACCOUNTS[REGION]}:function"
    sagemaker.create_labeling_job(
        LabelingJobName=JOB,
        LabelAttributeName=LABEL_ATTRIBUTE,
        InputConfig={"DataSource": {"SnsDataSource": {"SnsTopicArn": input_topic}}},
        OutputConfig={"S3OutputPath": f"s3://{BUCKET}/output/", "SnsTopicArn": output_topic},
        RoleArn=ROLE_ARN,
        LabelCategoryConfigS3Uri=uris["labels"],
        HumanTaskConfig={
            "WorkteamArn": create_team(sagemaker),
            "UiConfig": {"UiTemplateS3Uri": uris["template"]},
            "PreHumanTaskLambdaArn": f"{functions}:PRE-ImageMultiClassMultiLabel",
            "TaskTitle": "Shapes", "TaskDescription": "Select every shape",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": f"{functions}:ACS-ImageMultiClassMultiLabel"},
        },
    )
    first = sagemaker.describe_labeling_job(LabelingJobName=JOB)
    assert first["LabelingJobStatus"] == "Initializing"
    assert sagemaker.describe_labeling_job(LabelingJobName=JOB)["LabelingJobStatus"] == (
        "InProgress")
    assert sqs.get_queue_url(QueueName=f"GroundTruth-{JOB}")["QueueUrl"]

    work = subprocess.Popen(
        [*GTEMU, "work", "--endpoint", ui, "--job", JOB, "--workers", "1", "--timeout", "120",
         "--state-dir", str(STATE_DIR["dir"])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )
    try:
        sns.publish(TopicArn=input_topic, Message=json.dumps({"source-ref": sources[0]}))
        sns.publish(TopicArn=input_topic, Message=str({"source-ref": sources[1]}))
        sns.publish(TopicArn=input_topic, Message=json.dumps({"source-ref": sources[2]}))
        labeled = _drain(sqs, results_url, 3)
        assert sorted(line["source-ref"] for line in labeled) == sorted(sources)
        assert all(LABEL_ATTRIBUTE in line for line in labeled)
        assert work.poll() is None  # still working the stream
        sagemaker.stop_labeling_job(LabelingJobName=JOB)
        out, err = work.communicate(timeout=60)
    finally:
        if work.poll() is None:
            work.kill()
            work.communicate()
    assert work.returncode == 0, out + err
    assert f"Job {JOB}: Stopped" in out
    assert "3 of 3 objects labeled" in out
    assert "3 objects received over the input topic, 0 messages still queued" in out
    assert "3 received, 0 queued" in err  # the progress bar of a streaming job

    [event] = _drain(sqs, events_url, 1)
    assert event["detail"] == {"LabelingJobStatus": "Stopped"}
    assert event["resources"] == [f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{JOB}"]
    assert sns.list_subscriptions_by_topic(TopicArn=input_topic)["Subscriptions"] == []
    described = sagemaker.describe_labeling_job(LabelingJobName=JOB)
    assert described["LabelCounters"]["HumanLabeled"] == 3
    output = described["LabelingJobOutput"]["OutputDatasetS3Uri"]
    body = s3.get_object(Bucket=BUCKET, Key=output.split("/", 3)[3])["Body"].read().decode()
    assert len(body.splitlines()) == 3


def test_completed_and_failed_events_reach_an_sqs_target_under_serve(served):  # noqa: F811
    endpoint, ui = served
    sagemaker, s3 = clients(endpoint)
    sqs, events = _client("sqs", endpoint), _client("events", endpoint)
    events_url, events_arn = _queue(sqs, "ended-jobs")
    events.put_rule(Name="ended-jobs", EventPattern=json.dumps({
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Ground Truth Labeling Job State Change"],
        "detail": {"LabelingJobStatus": ["Completed", "Failed"]}}))
    events.put_targets(Rule="ended-jobs", Targets=[{"Id": "q", "Arn": events_arn}])
    uris = upload_inputs(s3, 1)
    team = create_team(sagemaker, "event-team")
    create_job(sagemaker, uris, team, 1, job_name="event-done")
    work = subprocess.run(
        [*GTEMU, "work", "--endpoint", ui, "--job", "event-done", "--workers", "1",
         "--state-dir", str(STATE_DIR["dir"]),
         "--timeout", "60"], capture_output=True, text=True, env=ENV, timeout=120)
    assert work.returncode == 0, work.stdout + work.stderr
    s3.put_object(Bucket=BUCKET, Key="broken.manifest", Body=b"not json\n")
    create_job(sagemaker, {**uris, "manifest": f"s3://{BUCKET}/broken.manifest"}, team, 1,
               job_name="event-broken")

    received = _drain(sqs, events_url, 2)
    by_job = {event["resources"][0].rsplit("/", 1)[1]: event["detail"] for event in received}
    assert by_job == {"event-done": {"LabelingJobStatus": "Completed"},
                      "event-broken": {"LabelingJobStatus": "Failed"}}
