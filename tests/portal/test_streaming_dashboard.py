"""The dashboard of a streaming job: its queue, the messages waiting, the objects received and
the warning about messages that were Python literals rather than JSON."""

from __future__ import annotations

import json

import boto3

from .conftest import MULTI, make_job, upload_images

REGION = "us-east-1"


def test_a_streaming_job_shows_queue_depth_objects_received_and_warnings(client, groundtruth):
    gt = groundtruth
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="pictures")["TopicArn"]
    make_job(gt, "stream", objects=1, MaxConcurrentTaskCount=1,
             InputConfig={"DataSource": {"SnsDataSource": {"SnsTopicArn": topic}}})
    first, second, third = upload_images(gt, 3)
    sns.publish(TopicArn=topic, Message=str({"source-ref": first}))
    sns.publish(TopicArn=topic, Message=json.dumps({"source-ref": second}))
    sns.publish(TopicArn=topic, Message=json.dumps({"source-ref": third}))
    # One object a wave (no manifest): the first message's, then the second's; one waits.
    gt.submit(gt.next_task("stream", "alice"), {MULTI: {"labels": ["cat"]}})

    page = client.get("/dashboard/").get_data(as_text=True)
    assert "streaming: 2 received, 1 queued" in page
    job_page = client.get("/dashboard/123456789012/us-east-1/stream").get_data(as_text=True)
    assert "GroundTruth-stream" in job_page
    assert '<dd id="queue-depth">1 messages waiting</dd>' in job_page
    assert '<dd id="objects-received">2 over the topic</dd>' in job_page
    assert "is not JSON but a Python literal" in job_page


def test_a_standard_job_shows_no_stream(client, groundtruth):
    make_job(groundtruth, "plain")
    page = client.get("/dashboard/123456789012/us-east-1/plain").get_data(as_text=True)
    assert "queue-depth" not in page
