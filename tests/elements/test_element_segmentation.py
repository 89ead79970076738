"""The segmentation elements' answer contract and simulated workers (server side)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from emulator.elements import ElementContext, SimulatedWorker, element_spec
from emulator.elements.raster import decode_label_map, encode_label_map

SEMANTIC = element_spec("crowd-semantic-segmentation")
INSTANCE = element_spec("crowd-instance-segmentation")
LABELS = "['Cat', 'Dog', 'Bird']"


def context(tag="crowd-semantic-segmentation", size=(40, 30)) -> ElementContext:
    return ElementContext(tag, {"name": "seg", "src": "x.png", "labels": LABELS}, image_size=size)


def label_map(size=(40, 30), paint=((0, 0, 10, 10, (0x2C, 0xA0, 0x2C)),)) -> np.ndarray:
    pixels = np.zeros((size[1], size[0], 4), np.uint8)
    for x0, y0, x1, y1, rgb in paint:
        pixels[y0:y1, x0:x1] = (*rgb, 255)
    return pixels


def answer(pixels: np.ndarray, mappings=None, size=None) -> dict:
    height, width = pixels.shape[:2]
    width, height = size or (width, height)
    return {
        "labeledImage": {"pngImageData": encode_label_map(pixels)},
        "labelMappings": mappings if mappings is not None else {"Cat": {"color": "#2ca02c"}},
        "inputImageProperties": {"height": height, "width": width},
    }


def test_a_documented_answer_is_accepted():
    assert SEMANTIC.check_answer(answer(label_map()), context()) is None
    assert SEMANTIC.answer_nesting == "name"
    assert {"header", "initial-value", "labels", "name", "src"} == set(SEMANTIC.attributes)


def test_a_data_url_is_refused_with_the_reason():
    value = answer(label_map())
    value["labeledImage"]["pngImageData"] = (
        "data:image/png;base64," + value["labeledImage"]["pngImageData"]
    )
    assert "not a data URL" in SEMANTIC.check_answer(value, context())


def test_a_jpeg_is_not_a_png():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30)).save(buffer, "JPEG")
    value = answer(label_map())
    value["labeledImage"]["pngImageData"] = base64.b64encode(buffer.getvalue()).decode()
    assert "not a PNG" in SEMANTIC.check_answer(value, context())


def test_not_base64_is_refused():
    value = answer(label_map())
    value["labeledImage"]["pngImageData"] = "%%%not base64%%%"
    assert "not valid base64" in SEMANTIC.check_answer(value, context())


def test_a_map_not_of_the_image_size_is_refused():
    message = SEMANTIC.check_answer(answer(label_map((20, 30))), context())
    assert "20×30" in message and "40×30" in message
    # inputImageProperties that disagree with the image the server knows are refused too
    message = SEMANTIC.check_answer(answer(label_map((20, 30))), context(size=(40, 30)))
    assert message


def test_without_a_known_image_size_the_answer_must_agree_with_itself():
    ctx = context(size=None)
    assert SEMANTIC.check_answer(answer(label_map()), ctx) is None
    assert "30" in SEMANTIC.check_answer(answer(label_map(), size=(40, 31)), ctx)


def test_labels_must_be_the_elements_and_colours_must_be_theirs():
    assert "not one of the labels" in SEMANTIC.check_answer(
        answer(label_map(), {"Cow": {"color": "#2ca02c"}}), context()
    )
    stray = label_map(paint=((0, 0, 5, 5, (1, 2, 3)),))
    assert "no label's colour" in SEMANTIC.check_answer(answer(stray), context())
    blended = label_map()
    blended[0, 0, 3] = 128  # a half-transparent edge pixel
    assert "blended" in SEMANTIC.check_answer(answer(blended), context())


def test_job_categories_stand_in_for_a_missing_labels_attribute():
    ctx = ElementContext("crowd-semantic-segmentation", {"name": "s"}, categories=["Cat"])
    assert SEMANTIC.check_answer(answer(label_map()), ctx) is None
    ctx = ElementContext("crowd-semantic-segmentation", {"name": "s"}, categories=["Dog"])
    assert SEMANTIC.check_answer(answer(label_map()), ctx)


@pytest.mark.parametrize("accuracy", [1.0, 0.6])
def test_simulated_workers_paint_valid_noisy_copies_of_the_truth(accuracy):
    truth = answer(label_map(paint=((5, 5, 25, 20, (0x2C, 0xA0, 0x2C)),)))
    truth["labelMappings"] = {"Cat": {"color": "#2ca02c"}}
    ctx = context()
    worker = SimulatedWorker(np.random.default_rng(3), accuracy=accuracy, truth=truth)
    value = SEMANTIC.simulate_answer(ctx, worker)
    assert SEMANTIC.check_answer(value, ctx) is None
    pixels = decode_label_map(value["labeledImage"]["pngImageData"])
    truth_mask = decode_label_map(truth["labeledImage"]["pngImageData"])[..., 3] == 255
    painted = pixels[..., 3] == 255
    iou = (painted & truth_mask).sum() / (painted | truth_mask).sum()
    assert iou == 1.0 if accuracy == 1.0 else 0.3 < iou <= 1.0
    assert value["inputImageProperties"] == {"height": 30, "width": 40}


def test_without_truth_simulated_workers_paint_random_blobs_at_the_image_size():
    ctx = context(size=(33, 17))
    value = SEMANTIC.simulate_answer(ctx, SimulatedWorker(np.random.default_rng(1)))
    assert SEMANTIC.check_answer(value, ctx) is None
    assert decode_label_map(value["labeledImage"]["pngImageData"]).shape == (17, 33, 4)
    assert set(value["labelMappings"]) <= {"Cat", "Dog", "Bird"}


def test_instance_segmentation_answers():
    ctx = context("crowd-instance-segmentation")
    pixels = label_map(
        paint=((0, 0, 5, 5, (0x1F, 0x77, 0xB4)), (10, 10, 15, 15, (0xFF, 0x7F, 0x0E)))
    )
    value = {
        "labeledImage": {"pngImageData": encode_label_map(pixels)},
        "instances": [{"color": "#1f77b4", "label": "Cat"}, {"color": "#ff7f0e", "label": "Cat"}],
        "inputImageProperties": {"height": 30, "width": 40},
    }
    assert INSTANCE.check_answer(value, ctx) is None
    value["instances"][1]["color"] = "#1f77b4"
    assert "share one colour" in INSTANCE.check_answer(value, ctx)
    value["instances"][1] = {"color": "#ff7f0e", "label": "Cow"}
    assert "Cow" in INSTANCE.check_answer(value, ctx)
    simulated = INSTANCE.simulate_answer(ctx, SimulatedWorker(np.random.default_rng(5)))
    assert INSTANCE.check_answer(simulated, ctx) is None
    assert all(set(i) == {"color", "label"} for i in simulated["instances"])
