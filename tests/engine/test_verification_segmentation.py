"""VerificationSemanticSegmentation end to end: a SemanticSegmentation job, then workers judge
its label maps shown over the images (`crowd-image-classifier` with an overlay)."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import numpy as np
import pytest
from botocore.exceptions import ClientError
from PIL import Image

from emulator import tasktypes
from emulator.elements.facts import template_facts
from emulator.elements.literal import parse_literal
from emulator.jobs.validation import AnswerRejected
from emulator.testing import groundtruth_session
from worker_ui.liquid.template import render_task

BUCKET = "s3://gtemu-test"
SIZE = (48, 32)  # width, height
SEG_LABELS = ["cat", "dog"]
VERDICTS = ["correct", "wrong"]
CAT, DOG = "#1f77b4", "#ff7f0e"
CREATION_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def _painted(index: int) -> dict:
    """A segmentation answer: a cat square that moves with the image, a dog strip."""
    from emulator.elements.raster import encode_label_map

    rgba = np.zeros((SIZE[1], SIZE[0], 4), np.uint8)
    rgba[4:20, 4 + index : 20 + index] = (0x1F, 0x77, 0xB4, 255)
    rgba[24:30, 30:46] = (0xFF, 0x7F, 0x0E, 255)
    return {"crowd-semantic-segmentation": {
        "inputImageProperties": {"height": SIZE[1], "width": SIZE[0]},
        "labelMappings": {"cat": {"color": CAT}, "dog": {"color": DOG}},
        "labeledImage": {"pngImageData": encode_label_map(rgba)},
    }}


def _index(task_input: dict) -> int:
    return int(re.search(r"(\d+)\.png$", task_input["taskObject"]).group(1))


def _segmentation_job(gt, count: int = 2) -> list[dict]:
    rng = np.random.default_rng(0)
    images = [
        gt.put_object(f"{BUCKET}/images/{i}.png",
                      _png(rng.integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8)))
        for i in range(count)
    ]
    uris = gt.upload_inputs(images, labels=SEG_LABELS, task_type="SemanticSegmentation",
                            prefix="first")
    gt.create_job("Paint", uris, task_type="SemanticSegmentation",
                  label_attribute_name="segmentation-ref")
    gt.complete_job("Paint", answer=lambda task_input, worker: _painted(_index(task_input)))
    return gt.output_manifest("Paint")


def test_a_verification_job_judges_an_earlier_semantic_segmentation(groundtruth):
    gt = groundtruth
    earlier = _segmentation_job(gt)
    uris = gt.upload_inputs(earlier, labels=VERDICTS,
                            task_type="VerificationSemanticSegmentation", prefix="second")
    gt.create_job("Judge", uris, task_type="VerificationSemanticSegmentation",
                  label_attribute_name="judged")
    described = gt.describe("Judge")
    assert described["HumanTaskConfig"]["PreHumanTaskLambdaArn"] == (
        "arn:aws:lambda:us-east-1:432418664414:function:PRE-VerificationSemanticSegmentation")
    task = gt.next_task("Judge", "alice")
    assert task.input == {"taskObject": earlier[0]["source-ref"], "labels": VERDICTS,
                          "manifestLine": earlier[0]}
    # The default template shows the earlier map over the image, in the earlier colours.
    facts = template_facts(render_task(task.template, task.input))
    assert facts.tag == "crowd-image-classifier"
    assert parse_literal(facts.attributes["categories"]) == VERDICTS
    overlay = parse_literal(facts.attributes["overlay"])["semanticSegmentation"]
    assert overlay["labels"] == SEG_LABELS
    assert overlay["labelMappings"] == {"cat": {"color": CAT}, "dog": {"color": DOG}}
    assert unquote(overlay["src"]).endswith(earlier[0]["segmentation-ref"].split("/", 3)[3])
    # A verdict that is not one of the job's categories is refused, and nothing is stored.
    with pytest.raises(AnswerRejected, match="not one of the label categories"):
        gt.submit(task, {"verdict": {"label": "cat"}})
    gt.release(task)

    def judge(task_input: dict, worker: str) -> dict:
        if _index(task_input) == 1:
            return {"verdict": {"label": "wrong", "workerComment": f"{worker}: dog too small"}}
        return {"verdict": {"label": "correct"}}

    final = gt.complete_job("Judge", answer=judge)
    assert final["LabelingJobStatus"] == "Completed"
    assert final["LabelCounters"]["HumanLabeled"] == 2

    output = gt.output_manifest("Judge")
    for before, after in zip(earlier, output, strict=True):
        assert list(after) == [*before, "judged", "judged-metadata"]
        assert {key: after[key] for key in before} == before  # the earlier label stays
    good, bad = output
    assert good["judged"] == 0 and bad["judged"] == 1
    for line, verdict in ((good, "correct"), (bad, "wrong")):
        metadata = line["judged-metadata"]
        assert metadata["class-name"] == verdict
        assert 0.0 < metadata["confidence"] <= 0.95
        assert metadata["type"] == "groundtruth/label-verification"
        assert metadata["job-name"] == "labeling-job/judge"
        assert metadata["human-annotated"] == "yes"
        assert CREATION_DATE.match(metadata["creation-date"])
    assert list(bad["judged-metadata"]) == ["class-name", "confidence", "type", "job-name",
                                            "human-annotated", "creation-date", "worker-feedback"]
    assert bad["judged-metadata"]["worker-feedback"] == [
        {"comment": f"worker-{n}: dog too small"} for n in (1, 2, 3)]
    assert "worker-feedback" not in good["judged-metadata"]

    # Every output file of the job.
    files = gt.output_files("Judge")
    prefix = "output/Judge/"
    assert all(key.startswith(prefix) for key in files)
    assert not [k for k in files if "/consolidated-annotation/output/" in k]  # no label maps
    responses = sorted(k for k in files if "/worker-response/" in k)
    assert len(responses) == 2
    for key in responses:
        answers = gt.read_json(f"{BUCKET}/{key}")["answers"]
        assert len(answers) == 3
        assert set(answers[0]["answerContent"]["verdict"]) <= {"label", "workerComment"}
    requests = [k for k in files if "/consolidation-request/" in k]
    assert requests
    items = [item for key in requests for item in gt.read_json(f"{BUCKET}/{key}")]
    assert sorted(item["dataObject"]["s3Uri"] for item in items) == sorted(
        line["source-ref"] for line in earlier)
    consolidated = [item for key in files if "/consolidation-response/" in key
                    for item in gt.read_json(f"{BUCKET}/{key}")]
    assert sorted(item["consolidatedAnnotation"]["content"]["judged"]
                  for item in consolidated) == [0, 1]
    intermediate = [k for k in files if "/manifests/intermediate/" in k]
    assert intermediate
    assert f"{prefix}manifests/output/output.manifest" in files


def test_simulated_workers_answer_a_segmentation_verification_job(groundtruth):
    gt = groundtruth
    earlier = _segmentation_job(gt, count=1)
    uris = gt.upload_inputs(earlier, labels=VERDICTS,
                            task_type="VerificationSemanticSegmentation", prefix="sim")
    gt.create_job("Sim", uris, task_type="VerificationSemanticSegmentation")
    assert gt.complete_job("Sim")["LabelingJobStatus"] == "Completed"
    [line] = gt.output_manifest("Sim")
    assert line["sim-metadata"]["class-name"] in VERDICTS


def test_a_line_without_an_earlier_label_map_fails_the_job_naming_the_line(groundtruth):
    gt = groundtruth
    earlier = _segmentation_job(gt, count=1)
    lines = [earlier[0], {"source-ref": earlier[0]["source-ref"]}]
    uris = gt.upload_inputs(lines, labels=VERDICTS,
                            task_type="VerificationSemanticSegmentation", prefix="bad")
    gt.create_job("Nothing", uris, task_type="VerificationSemanticSegmentation",
                  label_attribute_name="judged")
    final = gt.describe("Nothing")
    assert final["LabelingJobStatus"] == "Failed"
    assert final["FailureReason"] == (
        "ClientError: Line has no earlier semantic-segmentation label to verify (an attribute "
        'ending in "-ref" with a "-metadata" of type groundtruth/semantic-segmentation) '
        f"({uris['manifest']}, line 2)."
    )
    assert gt.output_files("Nothing") == []


def _chained_line(bucket: str) -> dict:
    """A line as a SemanticSegmentation job writes it (no need to run one for the API checks)."""
    color_map = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.9},
                 "1": {"class-name": "cat", "hex-color": CAT, "confidence": 0.9}}
    return {"source-ref": f"{bucket}/images/0.png",
            "segmentation-ref": f"{bucket}/output/Paint/0.png",
            "segmentation-ref-metadata": {"internal-color-map": color_map,
                                          "type": "groundtruth/semantic-segmentation",
                                          "human-annotated": "yes",
                                          "creation-date": "2026-01-01T00:00:00.000000",
                                          "job-name": "labeling-job/paint"}}


@pytest.mark.parametrize("region", sorted(tasktypes.BUILTIN_ACCOUNTS))
def test_aws_own_arns_of_every_region_are_accepted_by_create_labeling_job(region):
    with groundtruth_session(region_name=region) as gt:
        uris = gt.upload_inputs([_chained_line(BUCKET)], labels=VERDICTS,
                                task_type="VerificationSemanticSegmentation")
        gt.create_job("Judge", uris, task_type="VerificationSemanticSegmentation",
                      label_attribute_name="verdict")
        config = gt.describe("Judge")["HumanTaskConfig"]
        account = tasktypes.BUILTIN_ACCOUNTS[region]
        assert config["PreHumanTaskLambdaArn"] == (
            f"arn:aws:lambda:{region}:{account}:function:PRE-VerificationSemanticSegmentation")
        assert config["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"] == (
            f"arn:aws:lambda:{region}:{account}:function:ACS-VerificationSemanticSegmentation")
        assert gt.status("Judge") == "InProgress"


def test_the_verdict_attribute_must_not_end_in_ref(groundtruth):
    """AWS's one exception to the `-ref` rule of the segmentation types: a verification job's
    label is a verdict, not a file."""
    gt = groundtruth
    uris = gt.upload_inputs([_chained_line(BUCKET)], labels=VERDICTS,
                            task_type="VerificationSemanticSegmentation")
    with pytest.raises(ClientError) as raised:
        gt.create_job("Judge", uris, task_type="VerificationSemanticSegmentation",
                      label_attribute_name="verdict-ref")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"] == (
        'LabelAttributeName cannot end with "-ref" for this task type.')
    assert gt.sagemaker.list_labeling_jobs()["LabelingJobSummaryList"] == []
