"""Custom pre-annotation and consolidation handlers get the documented events; a handler that
raises fails the job with AWS's reason, a malformed response fails its objects
(docs/engine.md#lambda-events)."""

from __future__ import annotations

import json

import pytest

from emulator import register_lambda
from emulator.lambdas import parse_builtin, task_type_of, unregister_lambda
from emulator.testing import GroundTruth, builtin_lambda_arns

ACCOUNT = "123456789012"
PRE_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-pre"
ACS_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-acs"
JOB_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:labeling-job/custom-job"
TEMPLATE = """<crowd-form>
  <crowd-input name="answer" label="{{ task.input.question }}"></crowd-input>
</crowd-form>"""


def _custom_job(gt: GroundTruth, sources: list, **overrides) -> None:
    uris = gt.upload_inputs(sources, labels=["yes", "no"], task_type="Custom", template=TEMPLATE)
    config = {
        "PreHumanTaskLambdaArn": PRE_ARN,
        "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": ACS_ARN},
    }
    config.update(overrides)
    gt.create_job("Custom-Job", uris, task_type=None, workers_per_object=2,
                  label_attribute_name="verdict", **config)


def _answer(task_input, worker):
    return {"answer": f"{worker}:{task_input['question']}"}


def test_custom_handlers_receive_the_documented_events(groundtruth):
    gt = groundtruth
    pre_events, acs_events = [], []

    def pre(event, context):
        pre_events.append(event)
        assert context.invoked_function_arn == PRE_ARN
        return {"taskInput": {"question": event["dataObject"]["source-ref"]},
                "isHumanAnnotationRequired": "true"}

    def acs(event, context):
        acs_events.append(event)
        payload = gt.read_json(event["payload"]["s3Uri"])
        return [
            {"datasetObjectId": item["datasetObjectId"],
             "consolidatedAnnotation": {"content": {"verdict": {
                 "answers": [json.loads(a["annotationData"]["content"])["answer"]
                             for a in item["annotations"]]}}}}
            for item in payload
        ]

    register_lambda(PRE_ARN, pre)
    register_lambda(ACS_ARN, acs)
    _custom_job(gt, [{"source-ref": "s3://gtemu-test/a.txt", "extra": 1},
                     {"source-ref": "s3://gtemu-test/b.txt"}])
    final = gt.complete_job("Custom-Job", answer=_answer)
    assert final["LabelingJobStatus"] == "Completed"
    assert pre_events[0] == {
        "version": "2018-10-06",
        "labelingJobArn": JOB_ARN,
        "dataObject": {"source-ref": "s3://gtemu-test/a.txt", "extra": 1},
    }
    (event,) = acs_events
    assert list(event) == [
        "version", "labelingJobArn", "labelCategories", "labelAttributeName", "roleArn",
        "payload", "outputConfig", "maxHumanWorkersPerDataObject",
    ]
    assert event["version"] == "2018-10-06"
    assert event["labelCategories"] == ["yes", "no"]
    assert event["labelAttributeName"] == "verdict"
    assert event["outputConfig"] == "s3://gtemu-test/output/Custom-Job/annotations"
    assert event["maxHumanWorkersPerDataObject"] == 2
    assert "/consolidation-request/iteration-1/" in event["payload"]["s3Uri"]
    line = gt.output_manifest("Custom-Job")[0]
    assert list(line) == ["source-ref", "extra", "verdict", "verdict-metadata"]
    assert line["verdict"] == {"answers": ["worker-1:s3://gtemu-test/a.txt",
                                           "worker-2:s3://gtemu-test/a.txt"]}
    metadata = line["verdict-metadata"]
    assert list(metadata) == ["job-name", "type", "human-annotated", "creation-date"]
    assert metadata["type"] == "groundtruth/custom"
    assert metadata["creation-date"].endswith("000")


ROLE_ARN = "arn:aws:iam::123456789012:role/GroundTruthRole"


def _aws_invoke_failure(arn: str, role: str) -> str:
    return (
        f"ClientError: Exception invoking the Lambda function {arn}. LambdaErrorCode: Unhandled. "
        f"Ensure the Lambda function exists, that the role {role} has permissions to invoke it "
        "and try your request again."
    )


def test_malformed_pre_annotation_response_fails_only_that_object(groundtruth):
    gt = groundtruth

    def pre(event, context):
        if event["dataObject"]["source-ref"].endswith("skip.txt"):
            return {"taskInput": None, "isHumanAnnotationRequired": False}
        if event["dataObject"]["source-ref"].endswith("odd.txt"):
            return {"something": "else"}
        return {"taskInput": {"question": "q"}}

    register_lambda(PRE_ARN, pre)
    register_lambda(ACS_ARN, lambda event, context: [
        {"datasetObjectId": item["datasetObjectId"],
         "consolidatedAnnotation": {"content": {"verdict": "ok"}}}
        for item in gt.read_json(event["payload"]["s3Uri"])
    ])
    sources = ["s3://gtemu-test/good.txt", "s3://gtemu-test/skip.txt", "s3://gtemu-test/odd.txt"]
    _custom_job(gt, sources)
    final = gt.complete_job("Custom-Job", answer=_answer)
    assert final["LabelingJobStatus"] == "Completed"
    assert final["LabelCounters"]["HumanLabeled"] == 1
    assert final["LabelCounters"]["FailedNonRetryableError"] == 1
    good, skipped, odd = gt.output_manifest("Custom-Job")
    assert good["verdict"] == "ok"
    assert skipped == {"source-ref": "s3://gtemu-test/skip.txt"}
    assert odd["verdict-metadata"]["failure-reason"] == (
        f'ClientError: Pre-annotation Lambda {PRE_ARN} failed: the response has no "taskInput"'
    )
    summary = gt.sagemaker.list_labeling_jobs_for_workteam(WorkteamArn=gt.create_work_team())
    assert summary["LabelingJobSummaryList"][0]["LabelCounters"]["Total"] == 2


def test_raising_pre_annotation_handler_fails_the_job(groundtruth):
    gt = groundtruth

    def pre(event, context):
        if event["dataObject"]["source-ref"].endswith("bad.txt"):
            raise RuntimeError("cannot read it")
        return {"taskInput": {"question": "q"}}

    register_lambda(PRE_ARN, pre)
    register_lambda(ACS_ARN, lambda event, context: [])
    _custom_job(gt, ["s3://gtemu-test/good.txt", "s3://gtemu-test/bad.txt"])
    final = gt.describe("Custom-Job")
    assert final["LabelingJobStatus"] == "Failed"
    assert final["FailureReason"] == _aws_invoke_failure(PRE_ARN, ROLE_ARN)
    assert gt.next_task("Custom-Job", "alice") is None


def test_raising_consolidation_handler_fails_the_job(groundtruth):
    gt = groundtruth
    register_lambda(PRE_ARN, lambda event, context: {"taskInput": {"question": "q"}})
    register_lambda(ACS_ARN, lambda event, context: 1 / 0)
    _custom_job(gt, ["s3://gtemu-test/a.txt", "s3://gtemu-test/b.txt"])
    final = gt.complete_job("Custom-Job", answer=_answer)
    assert final["LabelingJobStatus"] == "Failed"
    assert final["FailureReason"] == _aws_invoke_failure(ACS_ARN, ROLE_ARN)


def test_a_consolidation_lambda_gone_since_the_start_fails_the_job(groundtruth):
    gt = groundtruth
    register_lambda(PRE_ARN, lambda event, context: {"taskInput": {"question": "q"}})
    register_lambda(ACS_ARN, lambda event, context: [])
    _custom_job(gt, ["s3://gtemu-test/a.txt"])
    task = gt.next_task("Custom-Job", "alice")
    unregister_lambda(ACS_ARN)
    gt.submit(task, {"answer": "yes"})
    final = gt.complete_job("Custom-Job", answer=_answer)
    assert final["LabelingJobStatus"] == "Failed"
    assert final["FailureReason"] == _aws_invoke_failure(ACS_ARN, ROLE_ARN)


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (lambda event, context: {"not": "a list"},
         f"ClientError: Post-annotation Lambda {ACS_ARN} failed: the response is not a JSON array"),
        (lambda event, context: [],
         "ClientError: Post-annotation Lambda returned no result for this object."),
    ],
)
def test_malformed_consolidation_response_fails_the_batch(groundtruth, handler, reason):
    gt = groundtruth
    register_lambda(PRE_ARN, lambda event, context: {"taskInput": {"question": "q"}})
    register_lambda(ACS_ARN, handler)
    _custom_job(gt, ["s3://gtemu-test/a.txt", "s3://gtemu-test/b.txt"])
    final = gt.complete_job("Custom-Job", answer=_answer)
    assert final["LabelingJobStatus"] == "Completed"
    assert final["LabelCounters"]["FailedNonRetryableError"] == 2
    for line in gt.output_manifest("Custom-Job"):
        assert line["verdict-metadata"]["failure-reason"] == reason


def test_job_without_lambdas_stores_answers_unconsolidated(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs([{"source": "Is this spam?", "id": 7}], task_type="TextMultiClass",
                            template=TEMPLATE)
    gt.create_job("Plain", uris, task_type=None, workers_per_object=1,
                  label_attribute_name="verdict")
    task = gt.next_task("Plain", "alice")
    assert task.input == {"source": "Is this spam?", "id": 7}  # the manifest line itself
    gt.submit(task, {"answer": "no"})
    gt.advance(31)
    (line,) = gt.output_manifest("Plain")
    assert line["verdict"] == {}
    reference = line["verdict-metadata"]["worker-response-ref"]
    assert "/annotations/worker-response/iteration-1/0/" in reference
    answers = gt.read_json(reference)["answers"]
    assert answers[0]["answerContent"] == {"answer": "no"}


def test_chained_job_skips_objects_already_labeled(groundtruth):
    gt = groundtruth
    sources = [
        {"source-ref": "s3://gtemu-test/1.jpg", "animals": [0], "animals-metadata": {"x": 1}},
        {"source-ref": "s3://gtemu-test/2.jpg"},
    ]
    uris = gt.upload_inputs(sources, labels=["cat", "dog"])
    gt.create_job("Chained", uris, label_attribute_name="animals", workers_per_object=1)
    final = gt.complete_job("Chained")
    assert final["LabelCounters"]["HumanLabeled"] == 1
    first, second = gt.output_manifest("Chained")
    assert first == sources[0]
    assert list(second) == ["source-ref", "animals", "animals-metadata"]


def test_builtin_arns_are_recognised_in_every_region():
    for region in ("us-east-1", "eu-central-1", "ap-southeast-2"):
        arns = builtin_lambda_arns(region, "ImageMultiClassMultiLabel")
        assert parse_builtin(arns["PRE"]).task_type == "ImageMultiClassMultiLabel"
        assert parse_builtin(arns["ACS"]).kind == "ACS"
    wrong_account = "arn:aws:lambda:us-east-1:111111111111:function:PRE-ImageMultiClass"
    assert parse_builtin(wrong_account) is None
    assert task_type_of(PRE_ARN, builtin_lambda_arns("us-east-1", "ImageMultiClass")["ACS"]) == (
        "ImageMultiClass"
    )
    assert task_type_of(PRE_ARN, None) == "Custom"
