import json

import boto3
import numpy as np
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


def test_handler_recognises_box_and_entity_answers(s3):
    def answer(worker, content):
        return {"workerId": worker, "annotationData": {"content": json.dumps(content)}}

    boxes = {"boxes": {"boundingBoxes": [{"label": "dog", "left": 5, "top": 6, "width": 20,
                                          "height": 30}],
                       "inputImageProperties": {"width": 100, "height": 80}}}
    payload = [{"datasetObjectId": "0", "dataObject": {"s3Uri": "s3://b/0.jpg"},
                "annotations": [answer(w, boxes) for w in ("w1", "w2", "w3")]}]
    s3.put_object(Bucket="gt-output", Key=PAYLOAD_KEY, Body=json.dumps(payload))
    [element] = lambda_handler(event(), None)
    content = element["consolidatedAnnotation"]["content"]
    assert content["animals"]["annotations"] == [
        {"class_id": 1, "left": 5, "top": 6, "width": 20, "height": 30}]
    assert content["animals-metadata"]["type"] == "groundtruth/object-detection"

    entities = {"ner": {"entities": [{"label": "cat", "startOffset": 0, "endOffset": 3}]}}
    payload = [{"datasetObjectId": "0", "dataObject": {"content": "cat sat"},
                "annotations": [answer(w, entities) for w in ("w1", "w2")]}]
    s3.put_object(Bucket="gt-output", Key=PAYLOAD_KEY, Body=json.dumps(payload))
    [element] = lambda_handler(event(), None)
    assert element["consolidatedAnnotation"]["content"]["animals-metadata"]["type"] == \
        "groundtruth/text-span"


def test_handler_writes_segmentation_label_maps_beside_the_outputs(s3):
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (0x2A, 0xCF, 0x59)).save(buffer, format="PNG")
    content = {"seg": {"labeledImage": {"pngImageData": base64.b64encode(buffer.getvalue())
                                        .decode()},
                       "labelMappings": {"dog": {"color": "#2acf59"}},
                       "inputImageProperties": {"width": 4, "height": 3}}}
    payload = [{"datasetObjectId": "7", "dataObject": {"s3Uri": "s3://b/7.png"},
                "annotations": [{"workerId": "w1", "annotationData": {
                    "content": json.dumps(content)}}]}]
    s3.put_object(Bucket="gt-output", Key=PAYLOAD_KEY, Body=json.dumps(payload))
    [element] = lambda_handler(event(labelAttributeName="animals-ref"), None)
    uri = element["consolidatedAnnotation"]["content"]["animals-ref"]
    assert uri == "s3://gt-output/out/Animal-Job/annotations/consolidated-annotation/output/7.png"
    png = s3.get_object(Bucket="gt-output", Key=uri.removeprefix("s3://gt-output/"))["Body"]
    image = Image.open(io.BytesIO(png.read()))
    assert image.size == (4, 3) and np.unique(np.asarray(image)).tolist() == [2]  # dog: class 2


@pytest.mark.parametrize("task_type",
                         ["VerificationBoundingBox", "VerificationSemanticSegmentation"])
def test_handler_consolidates_verification_verdicts_named_by_the_task_type(
    s3, monkeypatch, task_type
):
    monkeypatch.setenv("GTEMU_TASK_TYPE", task_type)
    payload = [{"datasetObjectId": "0", "dataObject": {"s3Uri": "s3://b/0.jpg"},
                "annotations": [
                    {"workerId": worker, "annotationData": {"content": json.dumps(
                        {"verdict": {"label": verdict, "workerComment": comment}})}}
                    for worker, verdict, comment in (("w1", "dog", "map too big"),
                                                     ("w2", "dog", ""), ("w3", "cat", ""))]}]
    s3.put_object(Bucket="gt-output", Key=PAYLOAD_KEY, Body=json.dumps(payload))
    [element] = lambda_handler(event(), None)
    metadata = element["consolidatedAnnotation"]["content"]["animals-metadata"]
    assert element["consolidatedAnnotation"]["content"]["animals"] == 1
    assert metadata["class-name"] == "dog"
    assert metadata["type"] == "groundtruth/label-verification"
    assert metadata["worker-feedback"] == [{"comment": "map too big"}]
