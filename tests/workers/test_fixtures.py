"""The bundled sample data: complete, small, and its truth is what the pictures show."""

from __future__ import annotations

import json
import struct
import zlib

import gtemu_fixtures
import numpy as np
import pytest

from worker_ui.liquid import parse_template, render_task

COLOURS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 220)}


def decode_png(data: bytes) -> np.ndarray:
    """RGB pixels of a PNG as written by make_fixtures (8-bit RGB, filter 0, one IDAT)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks[kind] = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 2)
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, -1)
    assert not rows[:, 0].any()  # filter type 0 on every row
    return rows[:, 1:].reshape(height, width, 3)


def test_the_sample_data_is_small():
    total = sum(path.stat().st_size for path in gtemu_fixtures.path(".").rglob("*")
                if path.is_file() and "__pycache__" not in path.parts)
    assert total < 1_000_000


@pytest.mark.parametrize("kind", gtemu_fixtures.TASK_KINDS)
def test_manifest_labels_and_truth_agree(kind):
    lines = gtemu_fixtures.path(f"{kind}/manifest.jsonl").read_text().splitlines()
    refs = [json.loads(line)["source-ref"] for line in lines]
    names = [ref.removeprefix("s3://gtemu-demo/images/") for ref in refs]
    assert all(gtemu_fixtures.path(f"images/{name}").is_file() for name in names)
    truth = gtemu_fixtures.truth(kind)
    assert list(truth) == names
    labels_file = json.loads(gtemu_fixtures.path(f"{kind}/labels.json").read_text())
    assert labels_file["document-version"] == "2018-11-28"
    categories = gtemu_fixtures.label_categories(kind)
    assert 2 <= len(categories) == len(set(categories)) <= 50
    for labels in truth.values():
        assert 1 <= len(labels) <= (3 if kind == "multilabel" else 1)
        assert set(labels) <= set(categories)


def test_every_picture_shows_exactly_its_true_colours():
    truth = gtemu_fixtures.truth("multilabel")
    assert len(gtemu_fixtures.image_files()) == len(truth) == 32
    for picture in gtemu_fixtures.image_files():
        pixels = decode_png(picture.read_bytes())
        assert pixels.shape == (64, 64, 3)
        shown = {name for name, rgb in COLOURS.items() if (pixels == rgb).all(axis=2).sum() > 50}
        assert shown == set(truth[picture.name]) & set(COLOURS), picture.name


@pytest.mark.parametrize(
    ("kind", "element"),
    [("multilabel", "crowd-image-classifier-multi-select"),
     ("singlelabel", "crowd-image-classifier")],
)
def test_templates_are_aws_templates_that_render(kind, element):
    source = gtemu_fixtures.path(f"{kind}/template.liquid.html").read_text()
    assert '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>' in source
    task_input = {
        "taskObject": "s3://gtemu-demo/images/shapes-00.png",
        "labels": gtemu_fixtures.label_categories(kind),
    }
    html = render_task(parse_template(source), task_input)
    assert f'<{element}\n    name="{element}"' in html
    assert "shapes-00.png" in html
    assert "&#34;circle&#34;" in html  # categories as escaped JSON


def test_unknown_fixture_names_are_errors():
    with pytest.raises(FileNotFoundError, match="no fixture named"):
        gtemu_fixtures.path("nothing/here.json")
    with pytest.raises(ValueError, match="kind must be one of"):
        gtemu_fixtures.truth("bounding-box")
