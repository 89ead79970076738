"""`gtemu demo --task bounding-box`: drawn pictures with known boxes, labelled by simulated box
workers through the worker API of a running gtemu, scored against the truth."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

from PIL import Image

from emulator.commands.demo_boxes import box_pictures, score_picture

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def test_the_pictures_hold_their_true_boxes():
    pictures = box_pictures(5, seed=2)
    assert [p.name for p in pictures] == [f"boxes-{n:03d}.png" for n in range(5)]
    for picture in pictures:
        image = Image.open(io.BytesIO(picture.png))
        width, height = image.size
        assert picture.truth["inputImageProperties"] == {"height": height, "width": width}
        for box in picture.truth["boundingBoxes"]:
            assert 0 <= box["left"] and box["left"] + box["width"] <= width
            assert 0 <= box["top"] and box["top"] + box["height"] <= height
            centre = (box["left"] + box["width"] // 2, box["top"] + box["height"] // 2)
            assert image.getpixel(centre) != (245, 245, 240)  # a shape is drawn there
        assert score_picture(picture.truth["boundingBoxes"], picture.truth["boundingBoxes"]) == [
            1.0
        ] * len(picture.truth["boundingBoxes"])
    assert box_pictures(5, seed=2)[3].png == pictures[3].png  # seeded


def test_demo_runs_a_bounding_box_job():
    demo = subprocess.run(
        [sys.executable, "-m", "emulator.cli", "demo", "--task", "bounding-box",
         "--objects", "6", "--workers", "3", "--seed", "1"],
        capture_output=True, text=True, env=ENV, timeout=120,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = demo.stdout
    assert "Job gtemu-demo-shapes: Completed" in out
    assert "6 labeled, 0 failed, 18 answers" in out
    assert len([line for line in out.splitlines() if line.startswith("boxes-")]) == 6
    score = re.search(r"precision (\d\.\d\d), recall (\d\.\d\d)", out)
    assert score is not None
    assert float(score.group(1)) >= 0.8 and float(score.group(2)) >= 0.8
