"""The server-side specs of the vector elements: documented attributes, the answer contract and
simulated workers (`emulator/elements/vector.py`)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from emulator.elements import ELEMENTS, ElementContext, SimulatedWorker, element_spec

VECTOR_TAGS = (
    "crowd-bounding-box",
    "crowd-polygon",
    "crowd-keypoint",
    "crowd-line",
    "crowd-polyline",
)
LABELS = "['Cat', 'Dog']"

# AWS's documented output examples (Crowd HTML Elements Reference), the value under `name`.
BOX_ANSWER = {
    "boundingBoxes": [
        {"height": 401, "label": "Dog", "left": 243, "top": 117, "width": 187},
        {"height": 298, "label": "Cat", "left": 699, "top": 116, "width": 101},
    ],
    "inputImageProperties": {"height": 533, "width": 800},
}
POLYGON_ANSWER = {
    "inputImageProperties": {"height": 853, "width": 1280},
    "polygons": [
        {
            "label": "Dog",
            "vertices": [
                {"x": 570, "y": 239},
                {"x": 603, "y": 513},
                {"x": 823, "y": 645},
                {"x": 901, "y": 417},
                {"x": 759, "y": 281},
            ],
        }
    ],
}
KEYPOINT_ANSWER = {
    "inputImageProperties": {"height": 1314, "width": 962},
    "keypoints": [{"label": "Dog", "x": 155, "y": 275}, {"label": "Cat", "x": 341, "y": 447}],
}
LINE_ANSWER = {
    "inputImageProperties": {"height": 1254, "width": 2048},
    "lines": [{"label": "Cat", "vertices": [{"x": 58, "y": 295}, {"x": 1342, "y": 398}]}],
}
POLYLINE_ANSWER = {
    "inputImageProperties": {"height": 1254, "width": 2048},
    "polylines": [
        {
            "label": "Dog",
            "vertices": [{"x": 651, "y": 498}, {"x": 862, "y": 869}, {"x": 1449, "y": 611}],
        }
    ],
}
DOCUMENTED = {
    "crowd-bounding-box": BOX_ANSWER,
    "crowd-polygon": POLYGON_ANSWER,
    "crowd-keypoint": KEYPOINT_ANSWER,
    "crowd-line": LINE_ANSWER,
    "crowd-polyline": POLYLINE_ANSWER,
}


def context(tag: str, **overrides) -> ElementContext:
    attributes = {"name": "annotatedResult", "src": "img.jpg", "labels": LABELS}
    return ElementContext(
        tag=tag, attributes={**attributes, **overrides.pop("attributes", {})}, **overrides
    )


def check(tag: str, value, **overrides):
    return element_spec(tag).check_answer(value, context(tag, **overrides))


@pytest.mark.parametrize("tag", VECTOR_TAGS)
def test_each_vector_element_is_registered_with_its_documented_attributes(tag):
    spec = ELEMENTS[tag]
    assert {"name", "src", "header", "labels", "initial-value"} <= set(spec.attributes)
    assert spec.regions == ("full-instructions", "short-instructions")
    assert spec.answer_nesting == "name"
    assert spec.posts_answer and spec.rendered_by_gtemu


def test_only_the_line_elements_document_label_colors():
    assert "label-colors" in element_spec("crowd-line").attributes
    assert "label-colors" in element_spec("crowd-polyline").attributes
    assert "label-colors" not in element_spec("crowd-bounding-box").attributes


@pytest.mark.parametrize("tag", VECTOR_TAGS)
def test_the_documented_output_example_is_a_valid_answer(tag):
    assert check(tag, DOCUMENTED[tag]) is None


def test_a_box_with_a_label_outside_the_labels_attribute_is_refused():
    answer = copy.deepcopy(BOX_ANSWER)
    answer["boundingBoxes"][1]["label"] = "Bird"
    message = check("crowd-bounding-box", answer)
    assert message.startswith('Box 2 has the label "Bird"') and '"Cat", "Dog"' in message


def test_the_jobs_categories_narrow_the_labels():
    message = check("crowd-bounding-box", BOX_ANSWER, categories=["Dog"])
    assert message is not None and 'Box 2 has the label "Cat"' in message
    assert check("crowd-bounding-box", BOX_ANSWER, categories=["Dog", "Cat"]) is None


def test_labels_written_as_json_with_double_quotes_are_read():
    assert check("crowd-bounding-box", BOX_ANSWER, attributes={"labels": '["Cat","Dog"]'}) is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"width": 0}, 'Box 1 ("Dog") has no area (width 0, height 401).'),
        ({"height": -3}, "has no area"),
        ({"left": -1}, "starts outside the image"),
        ({"left": 700}, "ends at (887, 518), outside the 800×533 image"),
        ({"top": 12.5}, "whole-number top"),
        ({"width": "10"}, "whole-number width"),
    ],
)
def test_a_malformed_box_is_refused_with_a_message_naming_it(change, expected):
    answer = copy.deepcopy(BOX_ANSWER)
    answer["boundingBoxes"][0].update(change)
    message = check("crowd-bounding-box", answer)
    assert message is not None and expected in message
    assert message.startswith("Box 1")


def test_the_server_known_image_size_wins_over_the_posted_one():
    answer = copy.deepcopy(BOX_ANSWER)
    answer["inputImageProperties"] = {"height": 5000, "width": 5000}
    answer["boundingBoxes"][1]["left"] = 750
    assert check("crowd-bounding-box", answer) is None
    message = check("crowd-bounding-box", answer, image_size=(800, 533))
    assert "Box 2" in message and "outside the 800×533 image" in message


def test_an_answer_without_image_properties_or_shapes_is_refused():
    assert "inputImageProperties" in check("crowd-bounding-box", {"boundingBoxes": []})
    message = check("crowd-bounding-box", {"inputImageProperties": {"width": 4, "height": 4}})
    assert "needs a list of boundingBoxes" in message
    assert "must be an object" in check("crowd-bounding-box", [])


def test_initial_value_modified_must_be_a_boolean():
    answer = {**BOX_ANSWER, "initialValueModified": True}
    assert check("crowd-bounding-box", answer) is None
    answer["initialValueModified"] = "yes"
    assert "initialValueModified" in check("crowd-bounding-box", answer)


def test_polygon_line_and_keypoint_geometry_rules():
    polygon = copy.deepcopy(POLYGON_ANSWER)
    polygon["polygons"][0]["vertices"] = polygon["polygons"][0]["vertices"][:2]
    expected = 'Polygon 1 ("Dog") needs at least 3 vertices, not 2.'
    assert check("crowd-polygon", polygon) == expected
    line = copy.deepcopy(LINE_ANSWER)
    line["lines"][0]["vertices"].append({"x": 1, "y": 1})
    assert "needs exactly 2 vertices, not 3" in check("crowd-line", line)
    polyline = copy.deepcopy(POLYLINE_ANSWER)
    polyline["polylines"][0]["vertices"][2] = {"x": 2049, "y": 10}
    assert "vertex 3 (2049, 10) is outside the 2048×1254 image" in check("crowd-polyline", polyline)
    keypoints = copy.deepcopy(KEYPOINT_ANSWER)
    keypoints["keypoints"][1]["y"] = -1
    assert check("crowd-keypoint", keypoints).startswith('Keypoint 2 ("Cat")')


def test_without_labels_anywhere_any_label_goes():
    ctx = ElementContext(tag="crowd-keypoint", attributes={"name": "k", "src": "i.jpg"})
    answer = {**KEYPOINT_ANSWER, "keypoints": [{"label": "Whatever", "x": 1, "y": 1}]}
    assert element_spec("crowd-keypoint").check_answer(answer, ctx) is None


@pytest.mark.parametrize("tag", VECTOR_TAGS)
def test_a_simulated_worker_without_truth_draws_valid_shapes(tag):
    spec = element_spec(tag)
    ctx = context(tag, image_size=(320, 200))
    for seed in range(20):
        worker = SimulatedWorker(rng=np.random.default_rng(seed), accuracy=0.7)
        answer = spec.simulate_answer(ctx, worker)
        assert spec.check_answer(answer, ctx) is None, answer
        assert answer["inputImageProperties"] == {"height": 200, "width": 320}
        assert 1 <= len(answer[spec.traits["output"]]) <= 3


@pytest.mark.parametrize("tag", VECTOR_TAGS)
def test_a_perfect_worker_copies_the_truth_closely(tag):
    spec = element_spec(tag)
    truth = DOCUMENTED[tag]
    ctx = context(tag)
    worker = SimulatedWorker(rng=np.random.default_rng(1), accuracy=1.0, truth=truth)
    answer = spec.simulate_answer(ctx, worker)
    assert spec.check_answer(answer, ctx) is None
    key = spec.traits["output"]
    assert [shape["label"] for shape in answer[key]] == [shape["label"] for shape in truth[key]]
    assert answer["inputImageProperties"] == truth["inputImageProperties"]
    assert list(answer) == sorted(answer)


def test_simulated_box_workers_are_noisier_as_accuracy_falls():
    spec = element_spec("crowd-bounding-box")
    truth = {
        "boundingBoxes": [
            {"height": 100, "label": "Dog", "left": 100 + 150 * i, "top": 200, "width": 100}
            for i in range(4)
        ],
        "inputImageProperties": {"height": 533, "width": 800},
    }
    ctx = context("crowd-bounding-box", image_size=(800, 533))

    def mean_error(accuracy: float) -> tuple[float, float]:
        shifts, count_changes = [], []
        for seed in range(200):
            worker = SimulatedWorker(np.random.default_rng(seed), accuracy=accuracy, truth=truth)
            answer = spec.simulate_answer(ctx, worker)
            assert spec.check_answer(answer, ctx) is None
            boxes = answer["boundingBoxes"]
            count_changes.append(len(boxes) != 4)
            shifts += [
                min(abs(b["left"] - t["left"]) for t in truth["boundingBoxes"]) for b in boxes
            ]
        return float(np.mean(shifts)), float(np.mean(count_changes))

    good_shift, good_changes = mean_error(0.95)
    bad_shift, bad_changes = mean_error(0.5)
    assert good_shift < bad_shift
    assert good_changes < bad_changes


def test_a_sloppy_worker_sometimes_gives_a_wrong_label():
    spec = element_spec("crowd-bounding-box")
    ctx = context("crowd-bounding-box")
    labels = set()
    for seed in range(100):
        worker = SimulatedWorker(np.random.default_rng(seed), accuracy=0.2, truth=BOX_ANSWER)
        answer = spec.simulate_answer(ctx, worker)
        labels |= {(box["label"]) for box in answer["boundingBoxes"][:1]}
    assert labels == {"Cat", "Dog"}
