"""Input problems found at initialization fail the job with a FailureReason naming the file and
line, and leave nothing under the output prefix (docs/engine.md#input-failures,
docs/tasktypes.md#how-a-jobs-type-is-found)."""

from __future__ import annotations

import json
import re

import pytest

from emulator.testing import GroundTruth, builtin_lambda_arns

BUCKET = "s3://gtemu-test/input"
MANIFEST = f"{BUCKET}/manifest.jsonl"
LABELS = f"{BUCKET}/labels.json"
TEMPLATE = f"{BUCKET}/template.liquid.html"
GOOD_LINE = '{"source-ref": "s3://gtemu-test/images/1.jpg"}'


def _labels(*names: str) -> str:
    return json.dumps({"labels": [{"label": name} for name in names]})


def _fail(gt: GroundTruth, **overrides) -> str:
    """Create a job over good inputs, with `overrides` replacing objects or request members;
    return its FailureReason after checking that the job failed and wrote nothing."""
    uris = gt.upload_inputs(3, labels=["cat", "dog"])
    for uri, body in overrides.pop("objects", {}).items():
        gt.put_object(uri, body)
    gt.create_job("Bad-Job", uris, **overrides)
    described = gt.sagemaker.describe_labeling_job(LabelingJobName="Bad-Job")
    assert described["LabelingJobStatus"] == "Failed"
    assert described["LabelCounters"]["TotalLabeled"] == 0
    assert "LabelingJobOutput" not in described
    listed = gt.s3.list_objects_v2(Bucket="gtemu-test", Prefix="output/")
    assert listed.get("KeyCount", 0) == 0
    summary = gt.sagemaker.list_labeling_jobs()["LabelingJobSummaryList"][0]
    assert summary["FailureReason"] == described["FailureReason"]
    return described["FailureReason"]


MANIFEST_CASES = [
    pytest.param(
        b"", f"ClientError: The input manifest contains no data objects ({MANIFEST}).", id="empty"
    ),
    pytest.param(
        b"\n  \n\r\n", f"ClientError: The input manifest contains no data objects ({MANIFEST}).",
        id="blank-lines",
    ),
    pytest.param(
        (GOOD_LINE + "\n{not json}\n").encode(),
        f"ClientError: Line is not a valid JSON object ({MANIFEST}, line 2).",
        id="not-json",
    ),
    pytest.param(
        (GOOD_LINE + "\n\n[1, 2]\n").encode(),
        f"ClientError: Line is not a valid JSON object ({MANIFEST}, line 3).",
        id="not-an-object",
    ),
    pytest.param(
        b'{"source-ref": "s3://b/k"}\n\xff\xfe\n',
        f"ClientError: The input manifest is not valid UTF-8 ({MANIFEST}, line 2).",
        id="not-utf8",
    ),
    pytest.param(
        b'{"image": "s3://b/k"}\n',
        f'ClientError: Line has no "source-ref" or "source" key ({MANIFEST}, line 1).',
        id="no-source",
    ),
    pytest.param(
        b'{"source-ref": "http://b/k"}\n',
        f'ClientError: "source-ref" is not an S3 URI ({MANIFEST}, line 1).',
        id="source-ref-not-s3",
    ),
    pytest.param(
        b'{"source-ref": "s3://b/k", "$x": 1}\n',
        f'ClientError: Attribute names cannot begin with "$" ({MANIFEST}, line 1).',
        id="dollar-key",
    ),
    pytest.param(
        ('{"source-ref": "s3://b/k", "big": "' + "x" * 20_001 + '"}\n').encode(),
        f'ClientError: Attribute "big" is longer than 20000 characters ({MANIFEST}, line 1).',
        id="long-attribute",
    ),
    pytest.param(
        ('{"source-ref": "s3://b/k", ' + ", ".join(f'"k{i}": "{"y" * 900}"' for i in range(120))
         + "}\n").encode(),
        f"ClientError: Line is longer than 100000 characters ({MANIFEST}, line 1).",
        id="long-line",
    ),
]


@pytest.mark.parametrize(("manifest", "reason"), MANIFEST_CASES)
def test_bad_manifest_fails_the_job(groundtruth, manifest, reason):
    assert _fail(groundtruth, objects={MANIFEST: manifest}) == reason


LABEL_CASES = [
    pytest.param(
        b"{", f"ClientError: The label category configuration file is not valid JSON ({LABELS}).",
        id="not-json",
    ),
    pytest.param(
        b'{"labels": []}',
        "ClientError: The label category configuration file must contain a non-empty "
        f'"labels" list of {{"label": string}} objects ({LABELS}).',
        id="empty-labels",
    ),
    pytest.param(
        b'{"labels": [{"name": "cat"}]}',
        "ClientError: The label category configuration file must contain a non-empty "
        f'"labels" list of {{"label": string}} objects ({LABELS}).',
        id="wrong-shape",
    ),
    pytest.param(
        _labels("cat").encode(),
        "ClientError: Task type ImageMultiClassMultiLabel requires between 2 and 50 label "
        f"categories; found 1 ({LABELS}).",
        id="too-few",
    ),
    pytest.param(
        _labels(*[f"label-{i}" for i in range(51)]).encode(),
        "ClientError: Task type ImageMultiClassMultiLabel requires between 2 and 50 label "
        f"categories; found 51 ({LABELS}).",
        id="too-many",
    ),
    pytest.param(
        _labels("cat", "dog", "cat").encode(),
        f'ClientError: Duplicate label category "cat" ({LABELS}).',
        id="duplicate",
    ),
    pytest.param(
        _labels("cat", "d" * 257).encode(),
        f"ClientError: Label category longer than 256 characters ({LABELS}).",
        id="long-label",
    ),
]


@pytest.mark.parametrize(("labels", "reason"), LABEL_CASES)
def test_bad_label_file_fails_the_job(groundtruth, labels, reason):
    assert _fail(groundtruth, objects={LABELS: labels}) == reason


def test_missing_objects_fail_the_job(groundtruth):
    gt = groundtruth
    missing = "s3://gtemu-test/input/missing"
    assert _fail(gt, InputConfig={
        "DataSource": {"S3DataSource": {"ManifestS3Uri": f"{missing}.jsonl"}}
    }) == f"ClientError: Unable to read the input manifest ({missing}.jsonl)."


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        (
            {"LabelCategoryConfigS3Uri": "s3://gtemu-test/nothing.json"},
            "ClientError: Unable to read the label category configuration file "
            "(s3://gtemu-test/nothing.json).",
        ),
        (
            {"UiConfig": {"UiTemplateS3Uri": "s3://no-such-bucket/t.html"}},
            "ClientError: Unable to read the worker task template (s3://no-such-bucket/t.html).",
        ),
        (
            {"OutputConfig": {"S3OutputPath": "s3://no-such-bucket/out"}},
            "ClientError: Unable to write to the output location (s3://no-such-bucket/out).",
        ),
    ],
)
def test_unreadable_inputs_fail_the_job(groundtruth, override, reason):
    assert _fail(groundtruth, **override) == reason


def test_template_with_a_liquid_syntax_error_names_line_and_column(groundtruth):
    template = "<crowd-form>\n  {% if task.input %}\n</crowd-form>\n"
    reason = _fail(groundtruth, objects={TEMPLATE: template})
    assert reason.startswith("ClientError: The worker task template is not valid Liquid: ")
    assert "if" in reason
    assert re.search(rf"\({re.escape(TEMPLATE)}, line 2, column \d+\)\.$", reason)


def test_template_too_long_fails_the_job(groundtruth):
    reason = _fail(groundtruth, objects={TEMPLATE: "x" * 128_001})
    assert reason == (
        f"ClientError: The worker task template is longer than 128000 characters ({TEMPLATE})."
    )


def test_unregistered_custom_lambda_fails_the_job(groundtruth):
    arn = "arn:aws:lambda:us-east-1:123456789012:function:my-pre"
    reason = _fail(groundtruth, PreHumanTaskLambdaArn=arn)
    assert reason == f"ClientError: No handler is registered for Lambda function {arn}."


def test_builtin_lambda_of_another_region_fails_the_job(groundtruth):
    arns = builtin_lambda_arns("eu-west-1", "ImageMultiClassMultiLabel")
    reason = _fail(groundtruth, PreHumanTaskLambdaArn=arns["PRE"])
    assert reason == f"ClientError: Lambda function {arns['PRE']} is not in region us-east-1."


def test_unsupported_builtin_task_type_fails_the_job(groundtruth):
    arns = builtin_lambda_arns("us-east-1", "VideoObjectTracking")
    reason = _fail(
        groundtruth,
        PreHumanTaskLambdaArn=arns["PRE"],
        AnnotationConsolidationConfig={"AnnotationConsolidationLambdaArn": arns["ACS"]},
    )
    assert reason == "ClientError: Task type VideoObjectTracking is not supported by gtemu."


def test_a_bad_job_does_not_disturb_a_good_one(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(4, labels=["cat", "dog"])
    gt.create_job("Good", uris)
    gt.put_object("s3://gtemu-test/other/manifest.jsonl", "oops\n")
    gt.create_job("Bad", {**uris, "manifest": "s3://gtemu-test/other/manifest.jsonl"})
    assert gt.complete_job("Good")["LabelingJobStatus"] == "Completed"
    assert gt.status("Bad") == "Failed"


def test_public_team_needs_the_pii_declaration(groundtruth):
    gt = groundtruth
    reason = _fail(
        gt,
        workteam_arn=gt.state.workforce.public_team_arn,
        PublicWorkforceTaskPrice={"AmountInUsd": {"Dollars": 0, "Cents": 3}},
    )
    assert reason == (
        "ClientError: Content must be declared FreeOfPersonallyIdentifiableInformation to use "
        "the Amazon Mechanical Turk workforce."
    )


def test_aws_owned_human_task_ui_gtemu_lacks_fails_the_job(groundtruth):
    # (AWS's NamedEntityRecognition UI is rendered with gtemu's own crowd-entity-annotation.)
    arn = "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/VideoObjectDetection"
    reason = _fail(groundtruth, UiConfig={"HumanTaskUiArn": arn})
    assert reason == f"ClientError: Human task UI {arn} is not available in gtemu."
