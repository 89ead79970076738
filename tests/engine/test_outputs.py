"""A job runs to completion through boto3 and writes every documented file (spec §5)."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from emulator.testing import GroundTruth

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


@pytest.fixture
def multi_label_job(groundtruth: GroundTruth) -> tuple[GroundTruth, dict]:
    gt = groundtruth
    uris = gt.upload_inputs(100, labels=LABELS)
    gt.create_job("Animals-Job", uris, label_attribute_name="animals")
    final = gt.complete_job("Animals-Job", workers=4, seed=7)
    return gt, final


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


def test_single_label_job_completes(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(100, labels=LABELS, task_type="ImageMultiClass")
    gt.create_job("Single", uris, task_type="ImageMultiClass", label_attribute_name="animal")
    final = gt.complete_job("Single", workers=3, seed=1)
    assert final["LabelingJobStatus"] == "Completed"
    assert final["LabelCounters"]["HumanLabeled"] == 100
    for line in gt.output_manifest("Single"):
        assert list(line) == ["source-ref", "animal", "animal-metadata"]
        metadata = line["animal-metadata"]
        assert list(metadata) == [
            "confidence", "job-name", "class-name", "human-annotated", "creation-date", "type",
        ]
        assert metadata["class-name"] == LABELS[line["animal"]]
        assert metadata["type"] == "groundtruth/image-classification"


def test_scripted_answers_reach_the_output(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(5, labels=LABELS)
    gt.create_job("Scripted", uris, label_attribute_name="animals")

    def answer(task_input, worker):
        chosen = ["dog"] if task_input["taskObject"].endswith("0.jpg") else ["cat", "fish"]
        return {"crowd-image-classifier-multi-select": {"labels": chosen}}

    gt.complete_job("Scripted", answer=answer)
    manifest = gt.output_manifest("Scripted")
    assert manifest[0]["animals"] == [1]
    assert manifest[0]["animals-metadata"]["class-map"] == {"1": "dog"}
    assert sorted(manifest[1]["animals"]) == [0, 3]


def test_input_keys_are_kept_and_escaped_like_gson(groundtruth):
    gt = groundtruth
    lines = [{"source-ref": "s3://gtemu-test/images/a.jpg?w=1&h=2", "note": "<b>", "n": 1}]
    uris = gt.upload_inputs(lines, labels=LABELS)
    gt.create_job("Keys", uris, label_attribute_name="animals")
    gt.complete_job("Keys")
    text = gt.read_text("s3://gtemu-test/output/Keys/manifests/output/output.manifest")
    assert text.startswith(
        '{"source-ref":"s3://gtemu-test/images/a.jpg?w\\u003d1\\u0026h\\u003d2",'
        '"note":"\\u003cb\\u003e","n":1,"animals":'
    )


def test_job_with_a_human_task_ui_and_text_objects(groundtruth):
    gt = groundtruth
    from emulator.testing import builtin_template

    ui_arn = gt.sagemaker.create_human_task_ui(
        HumanTaskUiName="text-ui",
        UiTemplate={"Content": builtin_template("TextMultiClassMultiLabel")},
    )["HumanTaskUiArn"]
    uris = gt.upload_inputs(
        ["great product", "arrived broken"], labels=["positive", "negative", "shipping"],
        task_type="TextMultiClassMultiLabel",
    )
    gt.create_job("Reviews", uris, task_type="TextMultiClassMultiLabel",
                  label_attribute_name="sentiment", UiConfig={"HumanTaskUiArn": ui_arn})
    task = gt.next_task("Reviews", "alice")
    assert task.input == {"taskObject": "great product",
                          "labels": ["positive", "negative", "shipping"]}
    gt.release(task)
    final = gt.complete_job("Reviews")
    assert final["LabelingJobStatus"] == "Completed"
    line = gt.output_manifest("Reviews")[0]
    assert list(line) == ["source", "sentiment", "sentiment-metadata"]
    assert line["sentiment-metadata"]["type"] == "groundtruth/text-classification-multilabel"
    request = next(key for key in gt.output_files("Reviews") if "consolidation-request" in key)
    item = gt.read_json(f"s3://gtemu-test/{request}")[0]
    assert item["dataObject"] == {"content": "great product"}


def test_public_team_dispatches_ten_objects_first(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(12, labels=LABELS)
    gt.create_job(
        "Public", uris, workteam_arn=gt.state.workforce.public_team_arn, workers_per_object=1,
        InputConfig={
            "DataSource": {"S3DataSource": {"ManifestS3Uri": uris["manifest"]}},
            "DataAttributes": {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]},
        },
        PublicWorkforceTaskPrice={"AmountInUsd": {"Dollars": 0, "Cents": 3}},
    )
    assert gt.describe("Public")["LabelCounters"]["Unlabeled"] == 2
    final = gt.complete_job("Public")
    assert final["LabelCounters"]["HumanLabeled"] == 12
    answers = gt.read_json(
        "s3://gtemu-test/" + next(k for k in gt.output_files("Public") if "worker-response" in k)
    )["answers"]
    assert answers[0]["workerId"].startswith("public.us-east-1.")
    assert "workerMetadata" not in answers[0]
    files = gt.output_files("Public")
    assert any("annotations/intermediate/2/" in key for key in files)


def test_render_failure_fails_only_that_object(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(2, labels=LABELS)
    gt.create_job("Render", uris, label_attribute_name="animals", workers_per_object=1)
    task = gt.next_task("Render", "alice")
    message = "InvalidParameters: '\"grant_read_access\" input is not a valid S3 URI: \"\".'"
    gt.engine.fail_render(task.task_id, message)
    final = gt.complete_job("Render")
    assert final["LabelCounters"]["FailedNonRetryableError"] == 1
    assert final["LabelCounters"]["HumanLabeled"] == 1
    failed = gt.output_manifest("Render")[int(task.dataset_object_id)]
    assert failed["animals-metadata"]["failure-reason"] == (
        f"ClientError: Task failed to render: [ {message} ]"
    )
