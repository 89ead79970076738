"""A job runs to completion through boto3 and writes every documented file
(docs/engine.md#output-layout)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime

import pytest

from emulator.testing import GroundTruth, groundtruth_session

TIMESTAMP_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}:\d{2}:\d{2}\.json$")
ANSWER_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
WORKER_ID = re.compile(r"^private\.us-east-1\.[0-9a-f]{16}$")
LABELS = ["cat", "dog", "bird", "fish"]


def _files(gt: GroundTruth, job_name: str) -> dict[str, list[str]]:
    """Output keys grouped by the kind of file, relative to the job's output prefix."""
    prefix = f"output/{job_name}/"
    groups: dict[str, list[str]] = {}
    for key in gt.output_files(job_name):
        assert key.startswith(prefix)
        relative = key[len(prefix):]
        if relative.startswith("annotations/worker-response/"):
            kind = "worker-response"
        elif "consolidation-request" in relative:
            kind = "request"
        elif "consolidation-response" in relative:
            kind = "response"
        elif relative.startswith("annotations/intermediate/"):
            kind = "wave-index"
        elif relative.startswith("manifests/intermediate/"):
            kind = "intermediate-manifest"
        else:
            assert relative == "manifests/output/output.manifest"
            kind = "output"
        groups.setdefault(kind, []).append(relative)
    return groups


def _read(gt: GroundTruth, job_name: str, relative: str) -> str:
    return gt.read_text(f"s3://gtemu-test/output/{job_name}/{relative}")


@pytest.fixture(scope="module")
def multi_label_job() -> Iterator[tuple[GroundTruth, dict]]:
    """One 100-object job, 4 noisy workers, read by several tests (outputs are not changed)."""
    with groundtruth_session() as gt:
        uris = gt.upload_inputs(100, labels=LABELS)
        gt.create_job("Animals-Job", uris, label_attribute_name="animals")
        final = gt.complete_job("Animals-Job", workers=4, seed=7)
        yield gt, final


def test_multi_label_job_completes_with_counters_and_output(multi_label_job):
    gt, final = multi_label_job
    assert final["LabelingJobStatus"] == "Completed"
    assert final["LabelCounters"] == {
        "TotalLabeled": 100,
        "HumanLabeled": 100,
        "MachineLabeled": 0,
        "FailedNonRetryableError": 0,
        "Unlabeled": 0,
    }
    assert final["LabelingJobOutput"] == {
        "OutputDatasetS3Uri": "s3://gtemu-test/output/Animals-Job/manifests/output/output.manifest",
        "FinalActiveLearningModelArn": "",
    }
    described = gt.sagemaker.describe_labeling_job(LabelingJobName="animals-job")
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LastModifiedTime"] >= described["CreationTime"]


def test_output_manifest_lines_follow_the_spec(multi_label_job):
    gt, _ = multi_label_job
    text = _read(gt, "Animals-Job", "manifests/output/output.manifest")
    assert text.endswith("\n") and not text.endswith("\n\n")
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["source-ref"] for line in lines] == [
        f"s3://gtemu-test/images/{index:05d}.jpg" for index in range(100)
    ]
    for line in lines:
        assert list(line) == ["source-ref", "animals", "animals-metadata"]
        metadata = line["animals-metadata"]
        assert list(metadata) == [
            "job-name", "class-map", "human-annotated", "creation-date", "confidence-map", "type",
        ]
        assert metadata["job-name"] == "labeling-job/animals-job"
        assert metadata["type"] == "groundtruth/image-classification-multilabel"
        assert metadata["human-annotated"] == "yes"
        datetime.strptime(metadata["creation-date"], "%Y-%m-%dT%H:%M:%S.%f")
        assert list(metadata["class-map"]) == [str(index) for index in line["animals"]]
        assert list(metadata["confidence-map"]) == list(metadata["class-map"])
        for index, name in metadata["class-map"].items():
            assert LABELS[int(index)] == name
        assert all(0.0 <= value <= 0.95 for value in metadata["confidence-map"].values())


def test_worker_response_files_hold_every_answer(multi_label_job):
    gt, _ = multi_label_job
    files = _files(gt, "Animals-Job")["worker-response"]
    assert len(files) == 100
    object_ids = set()
    for relative in files:
        _, _, iteration, object_id, name = relative.split("/")
        assert iteration == "iteration-1"
        assert TIMESTAMP_FILE.match(name)
        object_ids.add(object_id)
        body = _read(gt, "Animals-Job", relative)
        assert not body.endswith("\n")
        answers = json.loads(body)["answers"]
        assert len(answers) == 3
        assert len({answer["workerId"] for answer in answers}) == 3
        submitted = [answer["submissionTime"] for answer in answers]
        assert submitted == sorted(submitted)
        for answer in answers:
            assert list(answer) == sorted(answer)
            assert list(answer) == [
                "acceptanceTime", "answerContent", "submissionTime", "timeSpentInSeconds",
                "workerId", "workerMetadata",
            ]
            assert ANSWER_TIME.match(answer["acceptanceTime"])
            assert ANSWER_TIME.match(answer["submissionTime"])
            assert WORKER_ID.match(answer["workerId"])
            assert set(answer["workerMetadata"]["identityData"]) == {
                "identityProviderType", "issuer", "sub",
            }
            labels = answer["answerContent"]["crowd-image-classifier-multi-select"]["labels"]
            assert labels and set(labels) <= set(LABELS)
    assert object_ids == {str(index) for index in range(100)}


def test_consolidation_request_and_response_files_pair_up(multi_label_job):
    gt, _ = multi_label_job
    groups = _files(gt, "Animals-Job")
    requests, responses = sorted(groups["request"]), sorted(groups["response"])
    assert len(requests) == 1  # 100 objects: one batch
    assert [r.rsplit("/", 1)[1] for r in requests] == [r.rsplit("/", 1)[1] for r in responses]
    request = json.loads(_read(gt, "Animals-Job", requests[0]))
    assert len(request) == 100
    for item in request:
        assert list(item) == ["datasetObjectId", "dataObject", "annotations"]
        assert isinstance(item["datasetObjectId"], str)
        assert item["dataObject"] == {
            "s3Uri": f"s3://gtemu-test/images/{int(item['datasetObjectId']):05d}.jpg"
        }
        for annotation in item["annotations"]:
            assert list(annotation) == ["workerId", "annotationData"]
            content = json.loads(annotation["annotationData"]["content"])
            assert "crowd-image-classifier-multi-select" in content
    response = json.loads(_read(gt, "Animals-Job", responses[0]))
    assert [element["datasetObjectId"] for element in response] == [
        item["datasetObjectId"] for item in request
    ]
    manifest = gt.output_manifest("Animals-Job")
    for element in response:
        content = element["consolidatedAnnotation"]["content"]
        line = manifest[int(element["datasetObjectId"])]
        assert content["animals"] == line["animals"]
        assert content["animals-metadata"] == line["animals-metadata"]


def test_intermediate_files_of_the_wave(multi_label_job):
    gt, _ = multi_label_job
    groups = _files(gt, "Animals-Job")
    assert groups["wave-index"] == ["annotations/intermediate/1/annotations.json"]
    index = [
        json.loads(line)
        for line in _read(gt, "Animals-Job", groups["wave-index"][0]).splitlines()
    ]
    assert [entry["datasetObjectId"] for entry in index] == [str(i) for i in range(100)]
    first = index[0]
    assert list(first) == ["datasetObjectId", "manifestLine", "inputAttribute"]
    assert json.loads(first["manifestLine"]) == {"source-ref": first["inputAttribute"]}
    assert groups["intermediate-manifest"] == ["manifests/intermediate/1/output.manifest"]
    intermediate = _read(gt, "Animals-Job", groups["intermediate-manifest"][0])
    assert intermediate == _read(gt, "Animals-Job", "manifests/output/output.manifest")
