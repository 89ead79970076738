import json

import boto3
import pytest
from moto import mock_aws

from consolidation import lambda_handler

from .helpers import ANIMALS, multi_item, single_item

PAYLOAD_KEY = (
    "out/Animal-Job/annotations/consolidated-annotation/consolidation-request/"
    "iteration-1/2024-05-01_10:15:30.json"
)


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("GTEMU_TASK_TYPE", raising=False)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="gt-output")
        yield client


def event(**overrides):
    return {
        "version": "2018-10-06",
        "labelingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/animal-job",
        "labelCategories": ANIMALS,
        "labelAttributeName": "animals",
        "roleArn": "arn:aws:iam::123456789012:role/gt-role",
        "payload": {"s3Uri": f"s3://gt-output/{PAYLOAD_KEY}"},
        "outputConfig": "s3://gt-output/out/Animal-Job/annotations",
        "maxHumanWorkersPerDataObject": 3,
    } | overrides


def test_handler_reads_the_payload_from_s3_and_returns_multi_label_annotations(s3):
    payload = [
        multi_item(0, [("w1", ["cat", "dog"]), ("w2", ["cat"]), ("w3", ["cat"])]),
        multi_item(1, [("w1", ["bird"]), ("w2", ["bird"]), ("w3", ["bird"])]),
    ]
    s3.put_object(Bucket="gt-output", Key=PAYLOAD_KEY, Body=json.dumps(payload))
    response = lambda_handler(event(), None)
    assert [element["datasetObjectId"] for element in response] == ["0", "1"]
    first = response[0]["consolidatedAnnotation"]["content"]
    assert first["animals"] == [0, 1]
    metadata = first["animals-metadata"]
    assert metadata["job-name"] == "labeling-job/animal-job"
    assert metadata["type"] == "groundtruth/image-classification-multilabel"
    assert json.loads(json.dumps(response)) == response  # a Lambda returns plain JSON


def test_handler_recognises_single_label_answers(s3):
    payload = [single_item(0, [("w1", "dog"), ("w2", "dog"), ("w3", "cat")])]
    s3.put_object(Bucket="gt-output", Key=PAYLOAD_KEY, Body=json.dumps(payload))
    [element] = lambda_handler(event(), None)
    content = element["consolidatedAnnotation"]["content"]
    assert content["animals"] == 1
    assert content["animals-metadata"]["class-name"] == "dog"
    assert content["animals-metadata"]["type"] == "groundtruth/image-classification"


def test_a_missing_payload_object_raises_the_s3_error(s3):
    with pytest.raises(s3.exceptions.NoSuchKey):
        lambda_handler(event(), None)
