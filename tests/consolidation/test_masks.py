"""Semantic-segmentation consolidation: accuracy against a known truth and AWS's output shape."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from consolidation.answers import AnswerFormatError
from consolidation.masks import SegmentationDawidSkene, consolidate_segmentation
from tests.consolidation.helpers import NOW

LABELS = ["road", "building"]
COLORS = {"road": "#f28333", "building": "#2acf59"}
RGB = {0: (255, 255, 255), 1: (0xF2, 0x83, 0x33), 2: (0x2A, 0xCF, 0x59)}


def truth_map(rng, height=48, width=64):
    labels = np.zeros((height, width), dtype=np.uint8)
    for cls in (1, 2):
        top, left = rng.integers(0, height - 16), rng.integers(0, width - 16)
        labels[top:top + rng.integers(8, 16), left:left + rng.integers(8, 16)] = cls
    return labels


def noisy(rng, truth, worker):
    if worker == "spammer":
        return rng.integers(0, 3, size=truth.shape).astype(np.uint8)
    painted = truth.copy()
    shift = rng.integers(-1, 2, size=2)
    painted = np.roll(painted, tuple(shift), axis=(0, 1))  # boundary error
    flips = rng.random(truth.shape) < 0.05
    painted[flips] = rng.integers(0, 3, size=int(flips.sum()))
    return painted


def png_base64(labels, transparent_background=False):
    rgba = np.zeros((*labels.shape, 4), dtype=np.uint8)
    for cls, rgb in RGB.items():
        rgba[labels == cls, :3] = rgb
    rgba[..., 3] = 255
    if transparent_background:
        rgba[labels == 0, 3] = 0
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def seg_item(object_id, answers, size=(64, 48)):
    return {
        "datasetObjectId": str(object_id), "dataObject": {"s3Uri": f"s3://b/{object_id}.png"},
        "annotations": [{"workerId": worker, "annotationData": {"content": json.dumps({
            "crowd-semantic-segmentation": {
                "labeledImage": {"pngImageData": data},
                "labelMappings": {label: {"color": COLORS[label]} for label in LABELS},
                "inputImageProperties": {"width": size[0], "height": size[1]},
            }})}} for worker, data in answers],
    }


def run(batch, workers_per_object=3, **kwargs):
    written = {}

    def write_png(dataset_object_id, png):
        written[dataset_object_id] = png
        return f"s3://out/job/annotations/consolidated-annotation/output/{dataset_object_id}.png"

    response = consolidate_segmentation(
        batch, label_categories=LABELS, label_attribute_name="city-ref", job_name="Seg",
        workers_per_object=workers_per_object, now=NOW, write_png=write_png, **kwargs)
    return response, written


def mean_iou(truth, predicted):
    scores = []
    for cls in (1, 2):
        inter = np.sum((truth == cls) & (predicted == cls))
        union = np.sum((truth == cls) | (predicted == cls))
        if union:
            scores.append(inter / union)
    return float(np.mean(scores))


def majority(maps):
    votes = np.stack([(maps == cls).sum(0) for cls in range(3)])
    return np.argmax(votes, axis=0)


def test_em_beats_majority_vote_with_a_spammer():
    rng = np.random.default_rng(0)
    truths, maps = [], []
    for _ in range(40):
        truth = truth_map(rng)
        truths.append(truth)
        maps.append(np.stack([noisy(rng, truth, w) for w in ("a", "b", "spammer")]))
    model = SegmentationDawidSkene().fit(maps, [[0, 1, 2]] * 40, n_classes=3)
    em = np.mean([mean_iou(t, p) for t, p in zip(truths, model.predict(), strict=True)])
    vote = np.mean([mean_iou(t, majority(m)) for t, m in zip(truths, maps, strict=True)])
    assert em > vote + 0.05
    assert em > 0.65
    accuracy = model.accuracy_
    assert accuracy[2] < 0.5 < 0.8 < accuracy[:2].min()  # the spammer is found out


def test_output_png_and_metadata():
    rng = np.random.default_rng(1)
    truth = truth_map(rng)
    items = [seg_item(5, [("w1", png_base64(truth)), ("w2", png_base64(truth, True)),
                          ("w3", png_base64(noisy(rng, truth, "w3")))])]
    response, written = run(items)
    [element] = response
    content = element["consolidatedAnnotation"]["content"]
    assert list(content) == ["city-ref", "city-ref-metadata"]
    assert content["city-ref"] == "s3://out/job/annotations/consolidated-annotation/output/5.png"
    metadata = content["city-ref-metadata"]
    assert list(metadata) == ["internal-color-map", "type", "human-annotated", "creation-date",
                              "job-name"]
    assert metadata["type"] == "groundtruth/semantic-segmentation"
    color_map = metadata["internal-color-map"]
    assert list(color_map) == ["0", "1", "2"]
    assert color_map["0"]["class-name"] == "BACKGROUND" and color_map["0"]["hex-color"] == "#ffffff"
    assert color_map["1"] == {"class-name": "road", "confidence": color_map["1"]["confidence"],
                              "hex-color": "#f28333"}
    assert list(color_map["1"]) == ["class-name", "confidence", "hex-color"]
    assert 0.5 < color_map["2"]["confidence"] <= 0.95
    assert len({entry["confidence"] for entry in color_map.values()}) == 1  # one per image
    image = Image.open(io.BytesIO(written["5"]))
    assert image.format == "PNG" and image.size == (64, 48)
    assert np.array_equal(np.asarray(image), truth)  # palette index = class index
    rgb = np.asarray(image.convert("RGB"))
    assert tuple(rgb[truth == 1][0]) == RGB[1]


def test_one_worker_map_is_kept_with_confidence_zero():
    truth = truth_map(np.random.default_rng(2))
    response, written = run([seg_item(0, [("w1", png_base64(truth))])], workers_per_object=1)
    metadata = response[0]["consolidatedAnnotation"]["content"]["city-ref-metadata"]
    assert metadata["internal-color-map"]["1"]["confidence"] == 0.0
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(written["0"]))), truth)


def test_a_mask_of_another_size_is_scaled_to_the_image():
    truth = truth_map(np.random.default_rng(3))
    small = truth[::2, ::2]
    response, written = run([seg_item(0, [("w1", png_base64(truth)), ("w2", png_base64(small))])])
    assert Image.open(io.BytesIO(written["0"])).size == (64, 48)
    assert response


def test_not_a_png_is_an_answer_format_error_naming_the_object():
    with pytest.raises(AnswerFormatError, match="object 9: .*not a base64 PNG"):
        run([seg_item(9, [("w1", base64.b64encode(b"GIF89a").decode())])])


# --- rectangles: whole objects missed or added, the errors people make on masks -----------------


def rectangle(rng, height, width, smallest, largest):
    rh, rw = rng.integers(smallest, largest, 2)
    return int(rng.integers(0, height - rh)), int(rng.integers(0, width - rw)), int(rh), int(rw)


def rectangle_scene(rng, height=96, width=128):
    """Truth of 1-4 rectangles of classes 1-2, and the rectangles (top, left, h, w, class)."""
    objects = [(*rectangle(rng, height, width, height // 8, height // 3), int(rng.integers(1, 3)))
               for _ in range(rng.integers(1, 5))]
    truth = np.zeros((height, width), dtype=np.uint8)
    for top, left, h, w, cls in objects:
        truth[top:top + h, left:left + w] = cls
    return truth, objects


def careful_painter(rng, truth, objects, miss=0.1):
    """Edges a pixel off, `miss` of the objects left out, a stray blob on 15 % of images."""
    painted = np.zeros_like(truth)
    for top, left, h, w, cls in objects:
        if rng.random() < miss:
            continue
        dt, dl, dh, dw = rng.integers(-1, 2, 4)
        painted[max(top + dt, 0):top + h + dh, max(left + dl, 0):left + w + dw] = cls
    if rng.random() < 0.15:
        top, left, h, w = rectangle(rng, *truth.shape, truth.shape[0] // 16, truth.shape[0] // 8)
        painted[top:top + h, left:left + w] = rng.integers(1, 3)
    return painted


def random_painter(rng, truth):
    """Rectangles of random classes in random places: no information about the image."""
    painted = np.zeros_like(truth)
    for _ in range(rng.integers(1, 5)):
        top, left, h, w = rectangle(rng, *truth.shape, truth.shape[0] // 8, truth.shape[0] // 3)
        painted[top:top + h, left:left + w] = rng.integers(1, 3)
    return painted


def rectangle_job(seed, third, n_images=60):
    """Truths and answers of two careful workers and a third (`random`, `sloppy`, `careful`);
    every other image is 120 x 80 instead of 96 x 128."""
    rng = np.random.default_rng(seed)
    truths, maps = [], []
    for image in range(n_images):
        truth, objects = rectangle_scene(rng, *((96, 128) if image % 2 else (120, 80)))
        truths.append(truth)
        last = random_painter(rng, truth) if third == "random" else careful_painter(
            rng, truth, objects, miss=0.4 if third == "sloppy" else 0.1)
        maps.append(np.stack([careful_painter(rng, truth, objects),
                              careful_painter(rng, truth, objects), last]))
    return truths, maps


def scores(truths, maps, model):
    predicted = [model.predict_image(image) for image in range(len(truths))]
    consolidated = np.mean([mean_iou(t, p) for t, p in zip(truths, predicted, strict=True)])
    vote = np.mean([mean_iou(t, majority(m)) for t, m in zip(truths, maps, strict=True)])
    return consolidated, vote


@pytest.mark.parametrize("seed", [0, 1])
def test_a_random_painter_does_not_cost_what_one_careful_worker_missed(seed):
    truths, maps = rectangle_job(seed, "random")
    model = SegmentationDawidSkene().fit(maps, [[0, 1, 2]] * len(maps), n_classes=3)
    consolidated, vote = scores(truths, maps, model)
    assert consolidated > vote + 0.05
    assert consolidated > 0.75
    # the careful workers rarely add an object where there is none; the painter often does
    careful_additions = model.confusion_[:2, 0, 1:].sum(1)
    assert careful_additions.max() < 0.2 < model.confusion_[2, 0, 1:].sum()


def test_an_object_one_careful_worker_missed_is_recovered():
    truths, maps = rectangle_job(0, "random")
    truth = np.zeros((96, 128), dtype=np.uint8)
    truth[20:60, 30:90] = 1
    painted, missed, elsewhere = truth.copy(), np.zeros_like(truth), np.zeros_like(truth)
    elsewhere[70:90, 0:30] = 2
    maps.append(np.stack([painted, missed, elsewhere]))
    model = SegmentationDawidSkene().fit(maps, [[0, 1, 2]] * len(maps), n_classes=3)
    consolidated = model.predict_image(len(maps) - 1)
    assert np.all(consolidated[20:60, 30:90] == 1)  # majority vote says background here
    assert np.all(majority(maps[-1])[20:60, 30:90] == 0)
    assert np.all(consolidated[70:90, 0:30] == 0)  # the random painter's rectangle is dropped


def test_with_three_careful_workers_the_majority_stands():
    truths, maps = rectangle_job(0, "careful")
    kept, stray = np.zeros((96, 128), dtype=np.uint8), np.zeros((96, 128), dtype=np.uint8)
    kept[10:50, 10:60] = 2
    stray[70:85, 90:110] = 1
    maps.append(np.stack([kept, kept, stray]))
    model = SegmentationDawidSkene().fit(maps, [[0, 1, 2]] * len(maps), n_classes=3)
    consolidated = model.predict_image(len(maps) - 1)
    assert np.all(consolidated[10:50, 10:60] == 2)  # painted by two of three
    assert np.all(consolidated[70:85, 90:110] == 0)  # a stray blob one of three added
    consolidated_iou, vote = scores(truths, maps[:-1], model)
    assert consolidated_iou >= vote - 0.005


@pytest.mark.parametrize("seed", [0, 1])
def test_a_sloppy_worker_makes_the_map_no_worse_than_majority_vote(seed):
    truths, maps = rectangle_job(seed, "sloppy")
    model = SegmentationDawidSkene().fit(maps, [[0, 1, 2]] * len(maps), n_classes=3)
    consolidated, vote = scores(truths, maps, model)
    assert consolidated >= vote - 0.01


def test_one_answer_per_object_is_returned_unchanged():
    rng = np.random.default_rng(4)
    maps = [truth_map(rng)[None] for _ in range(6)]
    maps += [rectangle_scene(rng)[0][None] for _ in range(6)]
    for model in (SegmentationDawidSkene(), SegmentationDawidSkene(n_iter=0)):
        model.fit(maps, [[k % 2] for k in range(len(maps))], n_classes=3)
        for image, answer in enumerate(maps):
            assert np.array_equal(model.predict_image(image), answer[0])


def test_images_with_different_numbers_of_answers_are_fitted_together():
    truths, maps = rectangle_job(2, "random")
    workers = [[0, 1, 2]] * len(maps)
    rng = np.random.default_rng(5)
    for image in range(0, len(maps), 3):  # a fourth, careful worker on every third image
        extra = truths[image].copy()
        if rng.random() < 0.5:
            extra[:, : extra.shape[1] // 4] = 0  # they miss what lies in the left quarter
        maps[image] = np.concatenate([maps[image], extra[None]])
        workers[image] = [0, 1, 2, 3]
    for image in range(1, len(maps), 3):  # only the two careful workers on others
        maps[image], workers[image] = maps[image][:2], [0, 1]
    model = SegmentationDawidSkene().fit(maps, workers, n_classes=3)
    predicted = model.predict()
    assert [p.shape for p in predicted] == [t.shape for t in truths]
    consolidated = np.mean([mean_iou(t, p) for t, p in zip(truths, predicted, strict=True)])
    vote = np.mean([mean_iou(t, majority(m)) for t, m in zip(truths, maps, strict=True)])
    assert consolidated > vote + 0.05
    assert model.accuracy_.shape == (4,) and model.confusion_.shape == (4, 3, 3)
