"""Fidelity points measured against AWS's documentation and real files: public-workforce
worker responses, `Initializing`, text objects named by `source-ref`, non-finite numbers in
answers, and the pre-annotation reply forms."""

from __future__ import annotations

import json
import re

import pytest

from emulator.jobs.engine import AnswerRejected
from emulator.testing import GroundTruth

ACCOUNT = "123456789012"
PRE_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-pre"
ACS_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-acs"
MULTI = "crowd-image-classifier-multi-select"


def _worker_responses(gt: GroundTruth, job: str) -> list[dict]:
    keys = [k for k in gt.output_files(job) if "/worker-response/" in k]
    return [gt.read_json(f"s3://gtemu-test/{key}") for key in keys]


def test_public_workforce_worker_responses_have_the_shape_of_real_public_files(groundtruth):
    # A real public-crowd file: {"answers":[{"answerContent":{…},
    #   "submissionTime":"2019-04-18T16:11:15Z","workerId":"public.us-east-1.PHMF…"}, …]}
    gt = groundtruth
    uris = gt.upload_inputs(2, labels=["cat", "dog"])
    gt.create_job(
        "Public", uris, workteam_arn=gt.state.workforce.public_team_arn, workers_per_object=2,
        InputConfig={
            "DataSource": {"S3DataSource": {"ManifestS3Uri": uris["manifest"]}},
            "DataAttributes": {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]},
        },
        PublicWorkforceTaskPrice={"AmountInUsd": {"Dollars": 0, "Cents": 3}},
    )
    gt.complete_job("Public")
    files = _worker_responses(gt, "Public")
    assert len(files) == 2
    for document in files:
        for answer in document["answers"]:
            assert list(answer) == ["answerContent", "submissionTime", "workerId"]
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", answer["submissionTime"])
            assert answer["workerId"].startswith("public.us-east-1.")


def test_private_workforce_worker_responses_keep_every_key_and_milliseconds(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(1, labels=["cat", "dog"])
    gt.create_job("Private", uris, workers_per_object=1)
    gt.complete_job("Private")
    [document] = _worker_responses(gt, "Private")
    [answer] = document["answers"]
    assert list(answer) == ["acceptanceTime", "answerContent", "submissionTime",
                            "timeSpentInSeconds", "workerId", "workerMetadata"]
    assert re.fullmatch(r".*T\d\d:\d\d:\d\d\.\d{3}Z", answer["submissionTime"])


def test_initializing_is_what_the_first_describe_after_creation_shows(groundtruth):
    # "After you submit a request to create the streaming labeling job, its status will be
    # Initializing. Once the labeling job is active, the state changes to InProgress."
    gt = groundtruth
    uris = gt.upload_inputs(2, labels=["cat", "dog"])
    gt.create_job("Fresh", uris, initialize=False)
    first = gt.sagemaker.describe_labeling_job(LabelingJobName="Fresh")
    assert first["LabelingJobStatus"] == "Initializing"
    assert first["LastModifiedTime"] == first["CreationTime"]
    assert gt.sagemaker.describe_labeling_job(
        LabelingJobName="Fresh")["LabelingJobStatus"] == "InProgress"
    gt.create_job("Listed", uris, initialize=False)
    listed = gt.sagemaker.list_labeling_jobs(NameContains="Listed")["LabelingJobSummaryList"]
    assert [s["LabelingJobStatus"] for s in listed] == ["Initializing"]
    assert gt.status("Listed") == "InProgress"


def test_initializing_ends_with_a_step_of_the_virtual_clock(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(2, labels=["cat", "dog"])
    gt.create_job("Fresh", uris, initialize=False)
    gt.advance(2)  # unread, `Initializing` lasts 2 s of clock time
    assert gt.status("Fresh") == "InProgress"


def test_complete_job_works_a_job_still_initializing(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(3, labels=["cat", "dog"])
    gt.create_job("Fresh", uris, initialize=False, workers_per_object=1)
    assert gt.complete_job("Fresh")["LabelingJobStatus"] == "Completed"


def test_text_classification_reads_the_text_object_named_by_source_ref(groundtruth):
    # The developer guide's text-classification input example names S3 text objects with
    # `source-ref`; the worker sees the text.
    gt = groundtruth
    gt.put_object("s3://gtemu-test/texts/review.txt", "The soup was cold. Señor, très froid.")
    gt.put_object("s3://gtemu-test/texts/binary.txt", b"\xff\xfe\x00")
    uris = gt.upload_inputs(
        [{"source-ref": "s3://gtemu-test/texts/review.txt"},
         {"source-ref": "s3://gtemu-test/texts/binary.txt"},
         {"source-ref": "s3://gtemu-test/texts/missing.txt"},
         {"source": "Inline text"}],
        labels=["positive", "negative"], task_type="TextMultiClass")
    gt.create_job("Texts", uris, task_type="TextMultiClass", workers_per_object=1)
    seen: list[str] = []

    def answer(task_input, worker):
        seen.append(task_input["taskObject"])
        return {"crowd-classifier": {"label": "negative"}}

    gt.complete_job("Texts", answer=answer)
    assert seen == ["The soup was cold. Señor, très froid.", "Inline text"]
    lines = gt.output_manifest("Texts")
    assert lines[0]["source-ref"] == "s3://gtemu-test/texts/review.txt"
    assert "source" not in lines[0]  # the output line is the input line, labeled
    assert lines[1]["texts-metadata"]["failure-reason"] == (
        "ClientError: The text object is not valid UTF-8 (s3://gtemu-test/texts/binary.txt).")
    assert lines[2]["texts-metadata"]["failure-reason"] == (
        "ClientError: Unable to read the text object (s3://gtemu-test/texts/missing.txt).")


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_in_an_answer_are_refused(groundtruth, number):
    gt = groundtruth
    uris = gt.upload_inputs(1, labels=["cat", "dog"])
    gt.create_job("Job", uris, workers_per_object=1)
    task = gt.next_task("Job", "alice")
    with pytest.raises(AnswerRejected, match="NaN or Infinity"):
        gt.submit(task, {MULTI: {"labels": ["cat"], "confidence": [number]}})
    gt.submit(task, {MULTI: {"labels": ["cat"], "confidence": [0.5]}})


def _custom_job(gt: GroundTruth, reply) -> None:
    template = '<crowd-form><crowd-input name="answer"></crowd-input></crowd-form>'
    uris = gt.upload_inputs(["s3://gtemu-test/a.txt"], labels=["yes", "no"], task_type="Custom",
                            template=template)
    gt.register_lambda(PRE_ARN, lambda event, context: reply(event))
    gt.register_lambda(ACS_ARN, lambda event, context: [])
    gt.create_job("Custom", uris, task_type=None, workers_per_object=1,
                  label_attribute_name="verdict", PreHumanTaskLambdaArn=PRE_ARN,
                  AnnotationConsolidationConfig={"AnnotationConsolidationLambdaArn": ACS_ARN})


@pytest.mark.parametrize("reply", [
    # The documented response: a JSON object and an (optional) boolean.
    lambda event: {"taskInput": {"taskObject": event["dataObject"]["source-ref"]},
                   "isHumanAnnotationRequired": True},
    # Example functions answer with the string "true".
    lambda event: {"taskInput": {"taskObject": event["dataObject"]["source-ref"]},
                   "isHumanAnnotationRequired": "true"},
    # Without the flag a worker labels the object.
    lambda event: {"taskInput": event["dataObject"]},
])
def test_documented_pre_annotation_replies_are_honoured(groundtruth, reply):
    gt = groundtruth
    _custom_job(gt, reply)
    task = gt.next_task("Custom", "alice")
    assert task is not None
    assert json.dumps(task.input).count("s3://gtemu-test/a.txt") == 1


@pytest.mark.parametrize("reply, message", [
    (lambda event: {"taskInput": {}, "isHumanAnnotationRequired": "maybe"},
     "isHumanAnnotationRequired must be a boolean, got 'maybe'"),
    (lambda event: {"isHumanAnnotationRequired": True}, 'the response has no "taskInput"'),
    (lambda event: ["taskInput"], "the response is not a JSON object"),
])
def test_other_pre_annotation_replies_fail_the_object_with_a_clear_message(
        groundtruth, reply, message):
    gt = groundtruth
    _custom_job(gt, reply)
    gt.complete_job("Custom")
    [line] = gt.output_manifest("Custom")
    reason = line["verdict-metadata"]["failure-reason"]
    assert reason.startswith(f"ClientError: Pre-annotation Lambda {PRE_ARN} failed: ")
    assert message in reason
