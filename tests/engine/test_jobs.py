"""Jobs of every kind run to completion through boto3 (docs/tasktypes.md#pre-annotation-replies,
docs/engine.md#custom-jobs-passthrough-and-no-lambdas,
docs/consolidation.md#output-manifest-lines)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from emulator.testing import GroundTruth, builtin_template

LABELS = ["cat", "dog", "bird", "fish"]


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


def test_complete_job_with_named_workers(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(3, labels=LABELS)
    gt.create_job("Named", uris, workers_per_object=2)
    final = gt.complete_job("Named", workers=["ann", "bob"])
    assert final["LabelCounters"]["HumanLabeled"] == 3
    team = gt.create_work_team()
    expected = {gt.state.workforce.worker_identity(team, name).worker_id for name in ("ann", "bob")}
    for key in (k for k in gt.output_files("Named") if "worker-response" in k):
        answers = gt.read_json(f"s3://gtemu-test/{key}")["answers"]
        assert {answer["workerId"] for answer in answers} == expected


def test_put_object_makes_a_missing_bucket_in_the_objects_region() -> None:
    with mock_aws():
        gt = GroundTruth(region_name="eu-west-1")
        gt.put_object("s3://fresh-bucket/a.txt", "one")
        gt.put_object("s3://fresh-bucket/b.txt", b"two")
        assert gt.read_text("s3://fresh-bucket/a.txt") == "one"
        assert gt.read_text("s3://fresh-bucket/b.txt") == "two"
        location = gt.s3.get_bucket_location(Bucket="fresh-bucket")["LocationConstraint"]
        assert location == "eu-west-1"
        # A bucket S3 would not make: the caller sees why.
        with pytest.raises(ClientError, match="InvalidBucketName"):
            gt.put_object("s3://ab/a.txt", "x")
