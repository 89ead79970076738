"""Bounding-box jobs, and verification and adjustment jobs chained on their output, end to end
under `mock_aws`: every output file in the documented shapes, bad inputs and bad answers."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from emulator.elements.facts import template_facts
from emulator.elements.literal import parse_literal
from emulator.jobs.engine import AnswerRejected
from emulator.tasktypes.templates import adjustment_template, verification_template
from emulator.testing import GroundTruth
from worker_ui.liquid.template import render_task

BUCKET = "gtemu-test"
LABELS = ["cat", "dog"]
CREATION_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$")
WIDTH, HEIGHT = 200, 150
# Each picture's true boxes (what every scripted worker draws, give or take a pixel).
TRUTH = {
    "a.png": [("cat", 10, 20, 50, 40), ("dog", 100, 60, 80, 70)],
    "b.png": [("dog", 30, 30, 60, 60)],
    "c.png": [("cat", 5, 5, 20, 20)],
}


def _png(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload_images(gt: GroundTruth) -> list[str]:
    uris = []
    for name in TRUTH:
        uris.append(gt.put_object(f"s3://{BUCKET}/images/{name}", _png()))
    return uris


def _boxes(name: str, shift: int = 0) -> list[dict]:
    return [
        {"height": h, "label": label, "left": left + shift, "top": top, "width": w}
        for label, left, top, w, h in TRUTH[name]
    ]


def _box_answer(task_input: dict, worker: str, key: str = "boundingBox") -> dict:
    name = task_input["taskObject"].rsplit("/", 1)[-1]
    shift = {"worker-1": 0, "worker-2": 1, "worker-3": -1}.get(worker, 0)
    return {key: {"boundingBoxes": _boxes(name, shift),
                  "inputImageProperties": {"height": HEIGHT, "width": WIDTH}}}


def _box_job(gt: GroundTruth, name: str = "Boxes", **create) -> list[dict]:
    images = _upload_images(gt)
    # AWS's workshop notebooks write `source` with an S3 URI: that is the image too.
    sources = [{"source-ref": images[0]}, {"source": images[1]}, {"source-ref": images[2]}]
    uris = gt.upload_inputs(sources, labels=LABELS, task_type="BoundingBox", prefix=name)
    gt.create_job(name, uris, task_type="BoundingBox", label_attribute_name="bounding-box",
                  **create)
    final = gt.complete_job(name, answer=_box_answer)
    assert final["LabelingJobStatus"] == "Completed"
    return gt.output_manifest(name)


def _check_common_metadata(metadata: dict, job_name: str, output_type: str) -> None:
    assert metadata["type"] == output_type
    assert metadata["human-annotated"] == "yes"
    assert CREATION_DATE.match(metadata["creation-date"])
    assert metadata["job-name"] == f"labeling-job/{job_name.lower()}"


def test_a_box_job_writes_the_documented_object_detection_output(groundtruth):
    gt = groundtruth
    lines = _box_job(gt)
    assert [list(line) for line in lines] == [
        ["source-ref", "bounding-box", "bounding-box-metadata"],
        ["source", "bounding-box", "bounding-box-metadata"],
        ["source-ref", "bounding-box", "bounding-box-metadata"],
    ]
    first = lines[0]
    assert first["bounding-box"] == {
        "image_size": [{"width": WIDTH, "height": HEIGHT, "depth": 3}],
        "annotations": [
            {"class_id": 0, "left": 10, "top": 20, "width": 50, "height": 40},
            {"class_id": 1, "left": 100, "top": 60, "width": 80, "height": 70},
        ],
    }
    metadata = first["bounding-box-metadata"]
    assert list(metadata) == ["objects", "class-map", "type", "human-annotated",
                              "creation-date", "job-name"]
    assert len(metadata["objects"]) == 2
    assert all(0.0 < box["confidence"] <= 0.95 for box in metadata["objects"])
    assert metadata["class-map"] == {"0": "cat", "1": "dog"}
    _check_common_metadata(metadata, "Boxes", "groundtruth/object-detection")
    assert lines[1]["bounding-box-metadata"]["class-map"] == {"1": "dog"}
    # Every documented file is there: worker responses, consolidation request and response.
    files = gt.output_files("Boxes")
    responses = [key for key in files if "/annotations/worker-response/" in key]
    assert len(responses) == 3
    response = gt.read_json(f"s3://{BUCKET}/{responses[0]}")
    answer = response["answers"][0]["answerContent"]
    assert set(answer["boundingBox"]) == {"boundingBoxes", "inputImageProperties"}
    requests = [key for key in files if "consolidation-request" in key]
    request = gt.read_json(f"s3://{BUCKET}/{requests[0]}")
    assert set(request[0]) == {"datasetObjectId", "dataObject", "annotations"}
    assert request[1]["dataObject"] == {"s3Uri": f"s3://{BUCKET}/images/b.png"}


def test_the_task_input_carries_the_image_labels_and_whole_line(groundtruth):
    gt = groundtruth
    images = _upload_images(gt)
    uris = gt.upload_inputs([{"source-ref": images[0], "note": "x"}], labels=LABELS,
                            task_type="BoundingBox")
    gt.create_job("Input", uris, task_type="BoundingBox", workers_per_object=1)
    task = gt.next_task("Input", "alice")
    assert task.input == {"taskObject": images[0], "labels": LABELS,
                          "manifestLine": {"source-ref": images[0], "note": "x"}}


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ({"label": "cow", "left": 1, "top": 1, "width": 5, "height": 5}, '"cow"'),
        ({"label": "cat", "left": 1, "top": 1, "width": 0, "height": 5}, "Box 1"),
        ({"label": "cat", "left": 190, "top": 1, "width": 30, "height": 5}, "outside"),
    ],
    ids=["unknown-label", "no-area", "outside-the-image"],
)
def test_box_answers_are_checked_against_the_elements_contract(groundtruth, box, message):
    gt = groundtruth
    images = _upload_images(gt)
    uris = gt.upload_inputs([images[0]], labels=LABELS, task_type="BoundingBox")
    gt.create_job("Check", uris, task_type="BoundingBox", workers_per_object=1)
    task = gt.next_task("Check", "alice")
    # The answer claims a larger image: the size read from S3 wins.
    bad = {"boundingBox": {"boundingBoxes": [box],
                           "inputImageProperties": {"height": 1000, "width": 1000}}}
    with pytest.raises(AnswerRejected, match=message):
        gt.submit(task, bad)
    assert task.state == "open" and task.answer is None
    with pytest.raises(AnswerRejected, match="no crowd-bounding-box output"):
        gt.submit(task, {"boundingBox": {"label": "cat"}})
    gt.submit(task, _box_answer({"taskObject": images[0]}, "worker-1"))
    assert task.state == "submitted"


def test_simulated_workers_label_a_box_job(groundtruth):
    gt = groundtruth
    images = _upload_images(gt)
    uris = gt.upload_inputs(images, labels=LABELS, task_type="BoundingBox")
    gt.create_job("Sim", uris, task_type="BoundingBox")
    final = gt.complete_job("Sim", workers=3, seed=3)
    assert final["LabelCounters"]["HumanLabeled"] == 3
    for line in gt.output_manifest("Sim"):
        label = line["sim"]
        assert label["image_size"] == [{"width": WIDTH, "height": HEIGHT, "depth": 3}]
        for box in label["annotations"]:
            assert box["left"] >= 0 and box["left"] + box["width"] <= WIDTH


def test_default_workers_label_a_box_job_alike(groundtruth):
    gt = groundtruth
    images = _upload_images(gt)
    uris = gt.upload_inputs(images, labels=LABELS, task_type="BoundingBox")
    gt.create_job("Default", uris, task_type="BoundingBox")
    assert gt.complete_job("Default")["LabelCounters"]["HumanLabeled"] == 3
    for line in gt.output_manifest("Default"):
        assert line["default-metadata"]["type"] == "groundtruth/object-detection"


# -- chaining ----------------------------------------------------------------------------------


def _chained(gt: GroundTruth, lines: list[dict], name: str, task_type: str, labels: list[str],
             template: str | None = None) -> str:
    manifest = "".join(json.dumps(line) + "\n" for line in lines)
    uris = gt.upload_inputs(1, labels=labels, task_type=task_type, prefix=name, template=template)
    uris["manifest"] = gt.put_object(f"s3://{BUCKET}/{name}/chained.jsonl", manifest)
    gt.create_job(name, uris, task_type=task_type, label_attribute_name=name.lower())
    return name


def test_a_verification_job_on_a_box_jobs_output(groundtruth):
    gt = groundtruth
    earlier = _box_job(gt)
    name = _chained(gt, earlier, "Verify", "VerificationBoundingBox", ["good", "bad"],
                    verification_template("bounding-box"))
    task = gt.next_task(name, "alice")
    assert task.input["manifestLine"] == earlier[0]
    # The worker sees the earlier boxes, named by the earlier job's classes (not the verdicts).
    facts = template_facts(render_task(task.template, task.input))
    overlay = parse_literal(facts.attributes["overlay"])["boundingBox"]
    class_map = earlier[0]["bounding-box-metadata"]["class-map"]
    assert overlay["labels"] == list(class_map.values())
    assert [box["label"] for box in overlay["value"]] == [
        class_map[str(box["class_id"])] for box in earlier[0]["bounding-box"]["annotations"]]
    assert parse_literal(facts.attributes["categories"]) == ["good", "bad"]

    def verdict(task_input, worker):
        if task_input["taskObject"].endswith("a.png"):
            return {"verdict": {"label": "bad", "workerComment": f"{worker}: too wide"}}
        return {"verdict": {"label": "good"}}

    gt.release(task)
    assert gt.complete_job(name, answer=verdict)["LabelingJobStatus"] == "Completed"
    lines = gt.output_manifest(name)
    for before, after in zip(earlier, lines, strict=True):
        assert list(after)[: len(before)] == list(before)
        assert {key: after[key] for key in before} == before  # the earlier label is untouched
    first = lines[0]
    assert first["verify"] == 1
    metadata = first["verify-metadata"]
    assert list(metadata) == ["class-name", "confidence", "type", "job-name", "human-annotated",
                              "creation-date", "worker-feedback"]
    assert metadata["class-name"] == "bad"
    assert 0.0 < metadata["confidence"] <= 0.95
    _check_common_metadata(metadata, name, "groundtruth/label-verification")
    assert metadata["worker-feedback"] == [
        {"comment": f"worker-{n}: too wide"} for n in (1, 2, 3)
    ]
    assert "worker-feedback" not in lines[1]["verify-metadata"]
    assert lines[1]["verify-metadata"]["class-name"] == "good"


def test_an_adjustment_job_on_a_box_jobs_output(groundtruth):
    gt = groundtruth
    earlier = _box_job(gt)
    name = _chained(gt, earlier, "Adjust", "AdjustmentBoundingBox", LABELS,
                    adjustment_template("bounding-box"))

    def adjust(task_input, worker):
        picture = task_input["taskObject"].rsplit("/", 1)[-1]
        boxes = _boxes(picture, 2 if picture == "a.png" else 0)
        return {"adjustedBoxes": {"boundingBoxes": boxes, "initialValueModified": True,
                                  "inputImageProperties": {"height": HEIGHT, "width": WIDTH}}}

    assert gt.complete_job(name, answer=adjust)["LabelingJobStatus"] == "Completed"
    lines = gt.output_manifest(name)
    for before, after in zip(earlier, lines, strict=True):
        assert {key: after[key] for key in before} == before
    adjusted, unchanged = lines[0], lines[2]
    assert adjusted["adjust"]["annotations"][0] == {
        "class_id": 0, "left": 12, "top": 20, "width": 50, "height": 40}
    assert adjusted["adjust-metadata"]["adjustment-status"] == "adjusted"
    assert unchanged["adjust-metadata"]["adjustment-status"] == "unadjusted"
    assert unchanged["adjust"] == unchanged["bounding-box"]
    _check_common_metadata(adjusted["adjust-metadata"], name, "groundtruth/object-detection")


def test_the_adjustment_template_starts_from_the_earlier_boxes(groundtruth):
    from worker_ui.liquid import render_task

    gt = groundtruth
    earlier = _box_job(gt)
    name = _chained(gt, earlier[:1], "Adjust", "AdjustmentBoundingBox", LABELS,
                    adjustment_template("bounding-box"))
    task = gt.next_task(name, "alice")
    html = render_task(task.template, task.input)
    assert ('initial-value="[{ label: &#34;cat&#34;, left: 10, top: 20, width: 50, '
            "height: 40 }, { label: &#34;dog&#34;, left: 100, top: 60, width: 80, "
            'height: 70 }]"') in html


def test_a_classification_job_chains_on_a_box_jobs_output(groundtruth):
    gt = groundtruth
    earlier = _box_job(gt)
    name = _chained(gt, earlier, "Scene", "ImageMultiClass", ["indoor", "outdoor"])
    final = gt.complete_job(name, answer=lambda task_input, worker: {
        "crowd-image-classifier": {"label": "outdoor"}})
    assert final["LabelingJobStatus"] == "Completed"
    for before, after in zip(earlier, gt.output_manifest(name), strict=True):
        assert {key: after[key] for key in before} == before
        assert after["scene"] == 1
        assert after["scene-metadata"]["class-name"] == "outdoor"


# -- bad input ---------------------------------------------------------------------------------


def _failed(gt: GroundTruth, name: str) -> str:
    described = gt.describe(name)
    assert described["LabelingJobStatus"] == "Failed"
    assert described["LabelCounters"]["TotalLabeled"] == 0
    assert gt.output_files(name) == []
    return described["FailureReason"]


@pytest.mark.parametrize("count", [0, 51])
def test_a_box_label_file_needs_1_to_50_labels(groundtruth, count):
    gt = groundtruth
    uris = gt.upload_inputs(2, labels=[f"label-{n}" for n in range(count)],
                            task_type="BoundingBox")
    gt.create_job("Labels", uris, task_type="BoundingBox")
    reason = _failed(gt, "Labels")
    assert uris["labels"] in reason
    if count:
        assert reason == ("ClientError: Task type BoundingBox requires between 1 and 50 label "
                          f"categories; found 51 ({uris['labels']}).")


def test_a_line_without_an_image_fails_a_box_job_naming_the_line(groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs(
        [{"source-ref": f"s3://{BUCKET}/a.png"}, {"source": "a sentence, not an image"}],
        labels=LABELS, task_type="BoundingBox")
    gt.create_job("NoImage", uris, task_type="BoundingBox")
    assert _failed(gt, "NoImage") == (
        'ClientError: Line has no "source-ref" key (or "source" S3 URI), which image task '
        f"types require ({uris['manifest']}, line 2)."
    )


@pytest.mark.parametrize("task_type", ["VerificationBoundingBox", "AdjustmentBoundingBox"])
def test_a_chained_box_job_needs_the_earlier_label_on_every_line(groundtruth, task_type):
    gt = groundtruth
    earlier = _box_job(gt)
    lines = [earlier[0], {"source-ref": earlier[2]["source-ref"]}]
    name = _chained(gt, lines, "Chained", task_type, ["good", "bad"])
    verb = "verify" if task_type.startswith("Verification") else "adjust"
    reason = _failed(gt, name)
    assert reason.startswith(f"ClientError: Line has no earlier bounding-box label to {verb}")
    assert reason.endswith(f"(s3://{BUCKET}/Chained/chained.jsonl, line 2).")


def test_a_chained_box_job_needs_its_own_label_attribute(groundtruth):
    gt = groundtruth
    earlier = _box_job(gt)
    uris = gt.upload_inputs(1, labels=LABELS, task_type="AdjustmentBoundingBox", prefix="same")
    uris["manifest"] = gt.put_object(f"s3://{BUCKET}/same/chained.jsonl",
                                     json.dumps(earlier[0]) + "\n")
    gt.create_job("Same", uris, task_type="AdjustmentBoundingBox",
                  label_attribute_name="bounding-box")
    assert _failed(gt, "Same") == (
        'ClientError: The earlier bounding-box label is under "bounding-box", this job\'s own '
        "LabelAttributeName; give the job another one so that the earlier label stays on the "
        f"line (s3://{BUCKET}/same/chained.jsonl, line 1)."
    )
