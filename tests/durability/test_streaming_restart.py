"""A streaming job under `gtemu serve --state-dir` survives a restart: objects that came in
over the input topic, answers given, the subscription, and what is still to be labeled."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from emulator.commands.demo import BUCKET, clients, create_job, create_team, upload_inputs
from emulator.server import GtemuServer

from .test_journal import _start, _submit, _task


def _sns(server: GtemuServer):
    return boto3.client("sns", endpoint_url=server.endpoint_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_restart_keeps_the_objects_received_over_the_topic(tmp_path: Path) -> None:
    server = _start(tmp_path)
    try:
        sagemaker, s3 = clients(server.endpoint_url)
        uris = upload_inputs(s3, 1)
        topic = _sns(server).create_topic(Name="in")["TopicArn"]
        create_job(sagemaker, uris, create_team(sagemaker), 1, job_name="stream",
                   MaxConcurrentTaskCount=1)
        # create_job makes a standard job; a second one reads the topic.
        sagemaker.create_labeling_job(**{
            **{k: v for k, v in sagemaker.describe_labeling_job(LabelingJobName="stream").items()
               if k in ("LabelAttributeName", "RoleArn", "LabelCategoryConfigS3Uri",
                        "HumanTaskConfig", "OutputConfig")},
            "LabelingJobName": "streamed",
            "InputConfig": {"DataSource": {"SnsDataSource": {"SnsTopicArn": topic}}},
        })
        for status in ("Initializing", "InProgress"):  # publish once the job is InProgress
            assert sagemaker.describe_labeling_job(
                LabelingJobName="streamed")["LabelingJobStatus"] == status
        sns = _sns(server)
        sns.publish(TopicArn=topic, Message=json.dumps({"source-ref": f"s3://{BUCKET}/a.png"}))
        sns.publish(TopicArn=topic, Message=str({"source-ref": f"s3://{BUCKET}/b.png"}))
        first = _task(server, "streamed", "ann")
        assert _submit(server, first["taskId"], "ann").status_code == 200
    finally:
        server.stop()
    server = _start(tmp_path)
    try:
        sagemaker, _ = clients(server.endpoint_url)
        assert sagemaker.describe_labeling_job(
            LabelingJobName="streamed")["LabelingJobStatus"] == "InProgress"
        second = _task(server, "streamed", "ann")
        assert second["taskId"] != first["taskId"]
        assert {first["input"]["taskObject"], second["input"]["taskObject"]} == {
            f"s3://{BUCKET}/a.png", f"s3://{BUCKET}/b.png"}
        assert _submit(server, second["taskId"], "ann").status_code == 200
        sagemaker.stop_labeling_job(LabelingJobName="streamed")
        sagemaker.describe_labeling_job(LabelingJobName="streamed")  # seen `Stopping`
        described = sagemaker.describe_labeling_job(LabelingJobName="streamed")
        assert described["LabelingJobStatus"] == "Stopped"
        assert described["LabelCounters"]["HumanLabeled"] == 2
        assert _sns(server).list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    finally:
        server.stop()
