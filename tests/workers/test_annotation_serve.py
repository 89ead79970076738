"""Under `gtemu serve` (its server, in this process): a semantic-segmentation job, its
verification and a named-entity job, created over boto3 with AWS's documented ARNs, labeled by
`gtemu work`'s simulated workers, their outputs read back over S3."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from emulator import tasktypes
from emulator.cli import main
from emulator.commands.demo import clients, create_team
from emulator.server import GtemuServer
from emulator.tasktypes.verification_semantic_segmentation import verification_template

REGION = "us-east-1"
BUCKET = "annotation-serve"
ROLE = "arn:aws:iam::123456789012:role/LabelingRole"
NER_UI = f"arn:aws:sagemaker:{REGION}:394669845002:human-task-ui/NamedEntityRecognition"
SIZE = (80, 48)  # width, height
TEXTS = ["Jane Doe flew to Berlin on Monday.", "Ana Silva met Tom in Lisbon."]


@pytest.fixture(scope="module")
def server():
    with GtemuServer(port=0, ui_port=0) as running:
        sagemaker, s3 = clients(running.endpoint_url)  # the demo's clients: any credentials
        running.client = {"sagemaker": sagemaker, "s3": s3}.__getitem__
        s3.create_bucket(Bucket=BUCKET)
        running.team = create_team(sagemaker)
        yield running


def _put(server, key: str, body: bytes) -> str:
    server.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    return f"s3://{BUCKET}/{key}"


def _read(server, uri: str) -> bytes:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return server.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def _png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def _create_job(server, name: str, task_type: str, lines: list[dict], labels: list[str], *,
                attribute: str, ui: dict | None = None) -> None:
    arns = tasktypes.builtin_arns(REGION, task_type)
    manifest = "".join(json.dumps(line) + "\n" for line in lines).encode()
    label_file = json.dumps({"document-version": "2018-11-28",
                             "labels": [{"label": label} for label in labels]}).encode()
    if ui is None:
        template = tasktypes.get(task_type).template.encode()
        ui = {"UiTemplateS3Uri": _put(server, f"{name}/template.liquid.html", template)}
    server.client("sagemaker").create_labeling_job(
        LabelingJobName=name, LabelAttributeName=attribute,
        InputConfig={"DataSource": {"S3DataSource": {
            "ManifestS3Uri": _put(server, f"{name}/input.manifest", manifest)}}},
        OutputConfig={"S3OutputPath": f"s3://{BUCKET}/output/"},
        RoleArn=ROLE,
        LabelCategoryConfigS3Uri=_put(server, f"{name}/labels.json", label_file),
        HumanTaskConfig={
            "WorkteamArn": server.team, "UiConfig": ui,
            "PreHumanTaskLambdaArn": arns["PRE"],
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": arns["ACS"]},
            "TaskTitle": name, "TaskDescription": f"{task_type} under gtemu serve",
            "NumberOfHumanWorkersPerDataObject": 3, "TaskTimeLimitInSeconds": 300,
        },
    )


def _work(server, job: str, capsys) -> None:
    code = main(["work", "--endpoint", server.ui_url, "--token", server.worker_token,
                 "--job", job, "--workers", "3", "--seed", "4"])
    out, err = capsys.readouterr()
    assert code == 0, err
    status = server.client("sagemaker").describe_labeling_job(LabelingJobName=job)
    assert status["LabelingJobStatus"] == "Completed", status.get("FailureReason")
    assert status["LabelCounters"]["HumanLabeled"] == status["LabelCounters"]["TotalLabeled"]


def _output(server, job: str) -> list[dict]:
    body = _read(server, f"s3://{BUCKET}/output/{job}/manifests/output/output.manifest")
    return [json.loads(line) for line in body.decode().splitlines()]


def _keys(server, job: str) -> list[str]:
    pages = server.client("s3").get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=f"output/{job}/")
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_segmentation_then_its_verification(server, capsys):
    images = [_put(server, f"images/{k}.png", _png(k)) for k in range(2)]
    # One line as AWS's own segmentation notebooks write it (`source`, not `source-ref`).
    _create_job(server, "seg-serve", "SemanticSegmentation",
                [{"source-ref": images[0]}, {"source": images[1]}], ["cat", "dog"],
                attribute="pets-ref")
    _work(server, "seg-serve", capsys)

    lines = _output(server, "seg-serve")
    assert [sorted(line) for line in lines] == [
        ["pets-ref", "pets-ref-metadata", "source-ref"],
        ["pets-ref", "pets-ref-metadata", "source"],
    ]
    for line in lines:
        metadata = line["pets-ref-metadata"]
        assert metadata["type"] == "groundtruth/semantic-segmentation"
        assert metadata["human-annotated"] == "yes"
        colors = {v["class-name"]: v["hex-color"] for v in metadata["internal-color-map"].values()}
        assert set(colors) == {"BACKGROUND", "cat", "dog"}
        assert line["pets-ref"].startswith(
            f"s3://{BUCKET}/output/seg-serve/annotations/consolidated-annotation/output/")
        with Image.open(io.BytesIO(_read(server, line["pets-ref"]))) as label_map:
            assert label_map.format == "PNG" and label_map.size == SIZE
            pixels = np.asarray(label_map.convert("RGB")).reshape(-1, 3)
            found = {"#" + bytes(c).hex() for c in np.unique(pixels, axis=0)}
        assert found <= set(colors.values())
    keys = _keys(server, "seg-serve")
    assert len([k for k in keys if "/worker-response/" in k]) == 2
    assert len([k for k in keys if "/consolidated-annotation/output/" in k]) == 2

    # The output manifest of that job is the input of its verification.
    verify_manifest = f"s3://{BUCKET}/output/seg-serve/manifests/output/output.manifest"
    arns = tasktypes.builtin_arns(REGION, "VerificationSemanticSegmentation")
    template = verification_template("pets-ref")  # the overlay reads the earlier `pets-ref`
    label_file = json.dumps({"document-version": "2018-11-28",
                             "labels": [{"label": "good"}, {"label": "bad"}]}).encode()
    server.client("sagemaker").create_labeling_job(
        LabelingJobName="seg-verify", LabelAttributeName="verdict",
        InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": verify_manifest}}},
        OutputConfig={"S3OutputPath": f"s3://{BUCKET}/output/"}, RoleArn=ROLE,
        LabelCategoryConfigS3Uri=_put(server, "seg-verify/labels.json", label_file),
        HumanTaskConfig={
            "WorkteamArn": server.team,
            "UiConfig": {"UiTemplateS3Uri": _put(server, "seg-verify/t.html", template.encode())},
            "PreHumanTaskLambdaArn": arns["PRE"],
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": arns["ACS"]},
            "TaskTitle": "verify", "TaskDescription": "Are the painted labels right?",
            "NumberOfHumanWorkersPerDataObject": 3, "TaskTimeLimitInSeconds": 300,
        },
    )
    _work(server, "seg-verify", capsys)
    for earlier, line in zip(lines, _output(server, "seg-verify"), strict=True):
        assert line["pets-ref"] == earlier["pets-ref"]  # the earlier label stays
        assert line["verdict"] in (0, 1)
        metadata = line["verdict-metadata"]
        assert metadata["type"] == "groundtruth/label-verification"
        assert metadata["class-name"] in ("good", "bad")
        assert 0 <= metadata["confidence"] <= 1


def test_named_entities_on_aws_own_worker_ui(server, capsys):
    second = _put(server, "texts/second.txt", TEXTS[1].encode())
    _create_job(server, "ner-serve", "NamedEntityRecognition",
                [{"source": TEXTS[0]}, {"source-ref": second}], ["person", "place"],
                attribute="people", ui={"HumanTaskUiArn": NER_UI})
    _work(server, "ner-serve", capsys)

    lines = _output(server, "ner-serve")
    assert [list(line) for line in lines] == [
        ["source", "people", "people-metadata"],
        ["source-ref", "people", "people-metadata"],
    ]
    for text, line in zip(TEXTS, lines, strict=True):
        annotations = line["people"]["annotations"]
        assert annotations["labels"] == [{"label": "person"}, {"label": "place"}]
        for entity in annotations["entities"]:
            assert list(entity) == ["label", "startOffset", "endOffset"]  # as AWS prints it
            assert 0 <= entity["startOffset"] < entity["endOffset"] <= len(text)
            assert entity["label"] in ("person", "place")
        metadata = line["people-metadata"]
        assert metadata["type"] == "groundtruth/text-span"
        assert metadata["job-name"] == "labeling-job/ner-serve"
        assert len(metadata["entities"]) == len(annotations["entities"])
    assert len([k for k in _keys(server, "ner-serve") if "/worker-response/" in k]) == 2
