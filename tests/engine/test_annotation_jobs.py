"""Semantic-segmentation and named-entity-recognition jobs end to end under mock_aws: created
through boto3 with AWS's built-in ARNs (and, for NER, AWS's own worker UI ARN), worked by
simulated workers that answer like the crowd elements, every output file checked."""

from __future__ import annotations

import base64
import io
import json
import re
from urllib.parse import unquote

import numpy as np
import pytest
from PIL import Image

from emulator.elements import ElementContext, SimulatedWorker, element_spec
from emulator.elements.facts import template_facts
from emulator.elements.literal import parse_literal
from emulator.elements.raster import encode_label_map
from emulator.jobs.validation import AnswerRejected
from worker_ui.liquid.template import render_task

BUCKET = "s3://gtemu-test"
SIZE = (96, 64)  # width, height
SEG_LABELS = ["cat", "dog"]
CAT, DOG = "#1f77b4", "#ff7f0e"


def image_png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def truth_mask(index: int) -> np.ndarray:
    """Class per pixel: a cat rectangle that moves with the image, a dog in a corner."""
    classes = np.zeros((SIZE[1], SIZE[0]), np.int32)
    classes[8:40, 8 + index : 48 + index] = 1
    classes[44:60, 72:92] = 2
    return classes


def truth_answer(index: int) -> dict:
    palette = np.array([[0, 0, 0, 0], [0x1F, 0x77, 0xB4, 255], [0xFF, 0x7F, 0x0E, 255]], np.uint8)
    return {
        "inputImageProperties": {"height": SIZE[1], "width": SIZE[0]},
        "labelMappings": {"cat": {"color": CAT}, "dog": {"color": DOG}},
        "labeledImage": {"pngImageData": encode_label_map(palette[truth_mask(index)])},
    }


def segmentation_worker(task_input: dict, worker: str) -> dict:
    """A simulated worker: the element's own noisy painter, from the image's hidden truth."""
    index = int(re.search(r"(\d+)\.png$", task_input["taskObject"]).group(1))
    spec = element_spec("crowd-semantic-segmentation")
    context = ElementContext(
        "crowd-semantic-segmentation",
        {"name": "crowd-semantic-segmentation"},
        categories=task_input["labels"],
        image_size=SIZE,
    )
    seed = sum(map(ord, worker)) * 100 + index
    simulated = SimulatedWorker(np.random.default_rng(seed), 0.95, worker, truth_answer(index))
    return {"crowd-semantic-segmentation": spec.simulate_answer(context, simulated)}


def decode(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"))


def test_semantic_segmentation_job_writes_a_label_map_per_object(groundtruth):
    gt = groundtruth
    for index in range(3):
        gt.put_object(f"{BUCKET}/images/{index}.png", image_png(index))
    lines = [
        {"source-ref": f"{BUCKET}/images/0.png"},
        {"source-ref": f"{BUCKET}/images/1.png", "note": "kept"},
        # As AWS's own segmentation notebooks write image lines.
        {"source": f"{BUCKET}/images/2.png"},
    ]
    uris = gt.upload_inputs(lines, labels=SEG_LABELS, task_type="SemanticSegmentation")
    gt.create_job("Pets", uris, task_type="SemanticSegmentation", label_attribute_name="pets-ref")
    task = gt.next_task("Pets", "alice")
    assert task.input["taskObject"] == f"{BUCKET}/images/0.png"
    assert task.input["labels"] == SEG_LABELS
    # Answers the element would refuse are refused here too, and nothing is stored.
    wrong_size = truth_answer(0)
    small = np.zeros((8, 8, 4), np.uint8)
    wrong_size["labeledImage"]["pngImageData"] = encode_label_map(small)
    wrong_size["inputImageProperties"] = {"height": 8, "width": 8}
    with pytest.raises(AnswerRejected, match="8×8 but the image is 96×64"):
        gt.submit(task, {"crowd-semantic-segmentation": wrong_size})
    not_png = truth_answer(0)
    not_png["labeledImage"]["pngImageData"] = base64.b64encode(b"GIF89a....").decode()
    with pytest.raises(AnswerRejected, match="not a PNG"):
        gt.submit(task, {"crowd-semantic-segmentation": not_png})
    gt.release(task)

    final = gt.complete_job("Pets", answer=segmentation_worker)
    assert final["LabelingJobStatus"] == "Completed"
    assert final["LabelCounters"]["HumanLabeled"] == 3

    output = gt.output_manifest("Pets")
    assert [list(line) for line in output] == [
        ["source-ref", "pets-ref", "pets-ref-metadata"],
        ["source-ref", "note", "pets-ref", "pets-ref-metadata"],
        ["source", "pets-ref", "pets-ref-metadata"],
    ]
    prefix = f"{BUCKET}/output/Pets/annotations/consolidated-annotation/output/"
    for index, line in enumerate(output):
        uri = line["pets-ref"]
        assert re.fullmatch(
            re.escape(prefix) + rf"{index}_\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{6}}\.png", uri
        )
        metadata = line["pets-ref-metadata"]
        assert list(metadata) == [
            "internal-color-map",
            "type",
            "human-annotated",
            "creation-date",
            "job-name",
        ]
        assert metadata["type"] == "groundtruth/semantic-segmentation"
        assert metadata["job-name"] == "labeling-job/pets"
        assert metadata["human-annotated"] == "yes"
        color_map = metadata["internal-color-map"]
        assert {k: (v["class-name"], v["hex-color"]) for k, v in color_map.items()} == {
            "0": ("BACKGROUND", "#ffffff"),
            "1": ("cat", CAT),
            "2": ("dog", DOG),
        }
        assert all(0 <= v["confidence"] <= 1 for v in color_map.values())
        # The consolidated map: the image's size, only the colour map's colours, close to truth.
        pixels = decode(gt.read_bytes(uri))
        assert pixels.shape == (SIZE[1], SIZE[0], 3)
        found = {"#" + bytes(c).hex() for c in np.unique(pixels.reshape(-1, 3), axis=0)}
        assert found <= {"#ffffff", CAT, DOG}
        cat = (pixels == (0x1F, 0x77, 0xB4)).all(-1)
        truth_cat = truth_mask(index) == 1
        assert (cat & truth_cat).sum() / (cat | truth_cat).sum() > 0.8

    files = gt.output_files("Pets")
    label_maps = [k for k in files if "/consolidated-annotation/output/" in k]
    assert len(label_maps) == 3
    responses = [k for k in files if "/worker-response/" in k]
    assert len(responses) == 3
    answers = gt.read_json(f"{BUCKET}/{responses[0]}")["answers"]
    assert len(answers) == 3
    content = answers[0]["answerContent"]["crowd-semantic-segmentation"]
    assert list(content) == ["inputImageProperties", "labelMappings", "labeledImage"]
    request = next(k for k in files if "/consolidation-request/" in k)
    assert gt.read_json(f"{BUCKET}/{request}")[2]["dataObject"] == {
        "s3Uri": f"{BUCKET}/images/2.png"
    }
    response = next(k for k in files if "/consolidation-response/" in k)
    assert [
        item["consolidatedAnnotation"]["content"]["pets-ref"]
        for item in gt.read_json(f"{BUCKET}/{response}")
    ] == [line["pets-ref"] for line in output]
    assert any(k.endswith("manifests/output/output.manifest") for k in files)
    assert any("manifests/intermediate/" in k for k in files)


NER_LABELS = ["person", "place"]
TEXTS = [
    "Jane Doe flew to Berlin on Monday.",
    "Ana \U0001f680 Silva met Tom in Lisbon.",
]
NER_TRUTH = [
    [("person", "Jane Doe"), ("place", "Berlin")],
    [("person", "Ana \U0001f680 Silva"), ("person", "Tom"), ("place", "Lisbon")],
]


def entities_of(text: str, truth: list[tuple[str, str]]) -> list[dict]:
    return [
        {
            "endOffset": text.index(words) + len(words),
            "label": label,
            "startOffset": text.index(words),
        }
        for label, words in truth
    ]


def ner_worker(task_input: dict, worker: str) -> dict:
    """Two careful workers give the truth; the third misses an entity and shifts another."""
    text = task_input["taskObject"]
    entities = entities_of(text, NER_TRUTH[TEXTS.index(text)])
    if worker.endswith("3"):
        entities = entities[1:]
        entities[0] = {**entities[0], "endOffset": entities[0]["endOffset"] - 1}
    return {"crowd-entity-annotation": {"entities": entities}}


def test_named_entity_recognition_job_with_aws_own_worker_ui(groundtruth):
    gt = groundtruth
    gt.put_object(f"{BUCKET}/texts/second.txt", TEXTS[1].encode("utf-8"))
    lines = [{"source": TEXTS[0]}, {"source-ref": f"{BUCKET}/texts/second.txt"}]
    uris = gt.upload_inputs(lines, labels=NER_LABELS, task_type="NamedEntityRecognition")
    ner_ui = "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/NamedEntityRecognition"
    gt.create_job(
        "People",
        uris,
        task_type="NamedEntityRecognition",
        label_attribute_name="people",
        UiConfig={"HumanTaskUiArn": ner_ui},
    )

    task = gt.next_task("People", "alice")
    assert task.input == {"taskObject": TEXTS[0], "labels": NER_LABELS}
    # gtemu renders its own crowd-entity-annotation for AWS's NER UI.
    page = render_task(task.template, task.input)
    facts = template_facts(page)
    assert facts.tag == "crowd-entity-annotation"
    assert facts.attributes["text"] == TEXTS[0]
    assert parse_literal(facts.attributes["labels"]) == NER_LABELS
    outside = {"entities": [{"endOffset": 99, "label": "person", "startOffset": 90}]}
    with pytest.raises(AnswerRejected, match="not a span of the text"):
        gt.submit(task, {"crowd-entity-annotation": outside})
    crossing = {
        "entities": [
            {"endOffset": 8, "label": "person", "startOffset": 0},
            {"endOffset": 12, "label": "place", "startOffset": 5},
        ]
    }
    with pytest.raises(AnswerRejected, match="overlap"):
        gt.submit(task, {"crowd-entity-annotation": crossing})
    unknown = {"entities": [{"endOffset": 8, "label": "company", "startOffset": 0}]}
    with pytest.raises(AnswerRejected, match="company"):
        gt.submit(task, {"crowd-entity-annotation": unknown})
    gt.release(task)

    final = gt.complete_job("People", answer=ner_worker)
    assert final["LabelingJobStatus"] == "Completed"
    output = gt.output_manifest("People")
    assert [list(line) for line in output] == [
        ["source", "people", "people-metadata"],
        ["source-ref", "people", "people-metadata"],
    ]
    for text, truth, line in zip(TEXTS, NER_TRUTH, output, strict=True):
        annotations = line["people"]["annotations"]
        assert annotations["labels"] == [{"label": "person"}, {"label": "place"}]
        found = sorted(
            (e["label"], text[e["startOffset"] : e["endOffset"]]) for e in annotations["entities"]
        )
        assert found == sorted(truth)  # code-point offsets: the rocket counts once
        metadata = line["people-metadata"]
        assert metadata["type"] == "groundtruth/text-span"
        assert metadata["job-name"] == "labeling-job/people"
        assert len(metadata["entities"]) == len(annotations["entities"])
        assert all(0 < e["confidence"] <= 1 for e in metadata["entities"])

    files = gt.output_files("People")
    responses = [k for k in files if "/worker-response/" in k]
    assert len(responses) == 2
    request = gt.read_json(f"{BUCKET}/" + next(k for k in files if "/consolidation-request/" in k))
    assert [item["dataObject"] for item in request] == [
        {"content": TEXTS[0]},
        {"s3Uri": f"{BUCKET}/texts/second.txt"},
    ]
    assert not [k for k in files if "/consolidated-annotation/output/" in k]
    json.dumps(output)  # the output manifest is plain JSON


def test_ner_job_whose_text_cannot_be_read_fails_naming_the_line(groundtruth):
    gt = groundtruth
    lines = [{"source": "fine"}, {"source-ref": f"{BUCKET}/texts/missing.txt"}]
    uris = gt.upload_inputs(lines, labels=NER_LABELS, task_type="NamedEntityRecognition")
    gt.create_job(
        "Missing", uris, task_type="NamedEntityRecognition", label_attribute_name="people"
    )
    final = gt.complete_job("Missing", answer=ner_worker)
    assert final["LabelingJobStatus"] == "Failed"
    assert final["FailureReason"].endswith(
        f"Unable to read the text to label ({BUCKET}/texts/missing.txt) "
        f"({BUCKET}/input/manifest.jsonl, line 2)."
    )


def test_default_workers_answer_segmentation_and_ner_jobs(groundtruth):
    """`complete_job` without scripted answers: the elements' own simulated workers answer
    (label maps at the image's size, spans inside the text)."""
    gt = groundtruth
    gt.put_object(f"{BUCKET}/images/0.png", image_png(0))
    uris = gt.upload_inputs(
        [f"{BUCKET}/images/0.png"],
        labels=SEG_LABELS,
        task_type="SemanticSegmentation",
        prefix="seg",
    )
    gt.create_job(
        "Auto-Seg", uris, task_type="SemanticSegmentation", label_attribute_name="auto-ref"
    )
    assert gt.complete_job("Auto-Seg")["LabelingJobStatus"] == "Completed"
    [line] = gt.output_manifest("Auto-Seg")
    assert decode(gt.read_bytes(line["auto-ref"])).shape == (SIZE[1], SIZE[0], 3)

    uris = gt.upload_inputs(
        TEXTS, labels=NER_LABELS, task_type="NamedEntityRecognition", prefix="ner"
    )
    gt.create_job("Auto-Ner", uris, task_type="NamedEntityRecognition", label_attribute_name="auto")
    assert gt.complete_job("Auto-Ner")["LabelingJobStatus"] == "Completed"
    for text, line in zip(TEXTS, gt.output_manifest("Auto-Ner"), strict=True):
        for entity in line["auto"]["annotations"]["entities"]:
            assert 0 <= entity["startOffset"] < entity["endOffset"] <= len(text)


def test_adjustment_job_starts_from_the_earlier_label_map(groundtruth):
    gt = groundtruth
    images = [gt.put_object(f"{BUCKET}/images/{i}.png", image_png(i)) for i in range(2)]
    uris = gt.upload_inputs(images, labels=SEG_LABELS, task_type="SemanticSegmentation",
                            prefix="first")
    gt.create_job("First", uris, task_type="SemanticSegmentation",
                  label_attribute_name="segmentation-ref")

    def index_of(task_input: dict) -> int:
        return int(re.search(r"(\d+)\.png$", task_input["taskObject"]).group(1))

    gt.complete_job("First", answer=lambda task_input, worker: {
        "crowd-semantic-segmentation": truth_answer(index_of(task_input))})
    earlier = gt.output_manifest("First")

    uris = gt.upload_inputs(earlier, labels=SEG_LABELS,
                            task_type="AdjustmentSemanticSegmentation", prefix="second")
    gt.create_job("Second", uris, task_type="AdjustmentSemanticSegmentation",
                  label_attribute_name="adjusted-ref")
    task = gt.next_task("Second", "alice")
    assert task.input["manifestLine"] == earlier[0]
    # The template starts the element from the earlier map and its colours.
    facts = template_facts(render_task(task.template, task.input))
    initial = parse_literal(facts.attributes["initial-value"])
    assert initial["labelMappings"] == {"cat": {"color": CAT}, "dog": {"color": DOG}}
    assert unquote(initial["src"]).endswith(earlier[0]["segmentation-ref"].split("/", 3)[3])
    gt.release(task)

    def adjust(task_input: dict, worker: str) -> dict:
        answer = truth_answer(index_of(task_input))
        if index_of(task_input) == 1:  # the dog was wrong: erased
            palette = np.array([[0, 0, 0, 0], [0x1F, 0x77, 0xB4, 255], [0, 0, 0, 0]], np.uint8)
            answer["labeledImage"]["pngImageData"] = encode_label_map(palette[truth_mask(1)])
        return {"crowd-semantic-segmentation": answer}

    assert gt.complete_job("Second", answer=adjust)["LabelingJobStatus"] == "Completed"
    output = gt.output_manifest("Second")
    assert [line["adjusted-ref-metadata"]["adjustment-status"] for line in output] == [
        "unadjusted", "adjusted",
    ]
    assert all(line["segmentation-ref"] == old["segmentation-ref"]
               for line, old in zip(output, earlier, strict=True))  # the earlier label stays
    pixels = decode(gt.read_bytes(output[1]["adjusted-ref"]))
    assert not (pixels == (0xFF, 0x7F, 0x0E)).all(-1).any()  # no dog left
    assert output[1]["adjusted-ref-metadata"]["type"] == "groundtruth/semantic-segmentation"


def test_adjustment_of_a_line_without_an_earlier_label_map_fails_the_job(groundtruth):
    gt = groundtruth
    gt.put_object(f"{BUCKET}/images/0.png", image_png(0))
    uris = gt.upload_inputs([f"{BUCKET}/images/0.png"], labels=SEG_LABELS,
                            task_type="AdjustmentSemanticSegmentation")
    gt.create_job("Nothing", uris, task_type="AdjustmentSemanticSegmentation",
                  label_attribute_name="adjusted-ref")
    final = gt.describe("Nothing")
    assert final["LabelingJobStatus"] == "Failed"
    assert "no earlier semantic-segmentation label to adjust" in final["FailureReason"]
    assert "line 1" in final["FailureReason"]
