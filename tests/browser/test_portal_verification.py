"""A person judges a semantic-segmentation job's label map in the worker portal (a real
Chromium): the VerificationSemanticSegmentation task shows the earlier map over the image in
its label colours, and the verdict and comment reach the job's output."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import numpy as np
import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import FrameLocator, Page, expect

from emulator.elements.raster import encode_label_map
from emulator.testing import GroundTruth
from worker_ui.app import create_app

BUCKET = "s3://gtemu-test"
SIZE = (90, 60)  # width, height
GREY = (200, 200, 200)
CAT = (0x1F, 0x77, 0xB4)
CAT_AREA = (10, 10, 40, 40)  # left, top, right, bottom


@pytest.fixture
def portal(groundtruth: GroundTruth, live_server: Callable[[Flask], str]) -> str:
    """Listed before `page` in the tests, so that the page closes before the server stops."""
    config = {"SECRET_KEY": "browser-tests", "PORTAL_POLL_SECONDS": 0.2}
    return live_server(create_app(config))


def start_working(page: Page, portal: str, job: str) -> FrameLocator:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(portal + "/")
    page.get_by_label("User name").fill("alice")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(f"tr[data-job={job}] .remaining")).to_have_text(re.compile(r"\d+ of \d+"))
    page.get_by_role("button", name="Start working").click()
    expect(page.locator("#task-frame")).to_be_visible()
    return page.frame_locator("#task-frame")


def painted_answer(task_input: dict, worker: str) -> dict:
    rgba = np.zeros((SIZE[1], SIZE[0], 4), np.uint8)
    left, top, right, bottom = CAT_AREA
    rgba[top:bottom, left:right] = (*CAT, 255)
    return {"crowd-semantic-segmentation": {
        "inputImageProperties": {"height": SIZE[1], "width": SIZE[0]},
        "labelMappings": {"cat": {"color": "#1f77b4"}},
        "labeledImage": {"pngImageData": encode_label_map(rgba)},
    }}


def test_a_person_judges_a_label_map_seen_over_the_image(portal, page, groundtruth):
    gt = groundtruth
    buffer = io.BytesIO()
    Image.new("RGB", SIZE, GREY).save(buffer, "PNG")
    image = gt.put_object(f"{BUCKET}/images/0.png", buffer.getvalue())
    uris = gt.upload_inputs([image], labels=["cat", "dog"], task_type="SemanticSegmentation",
                            prefix="paint")
    gt.create_job("paint", uris, task_type="SemanticSegmentation",
                  label_attribute_name="segmentation-ref")
    gt.complete_job("paint", answer=painted_answer)
    earlier = gt.output_manifest("paint")

    uris = gt.upload_inputs(earlier, labels=["correct", "wrong"],
                            task_type="VerificationSemanticSegmentation", prefix="judge")
    gt.create_job("judge", uris, task_type="VerificationSemanticSegmentation",
                  workers_per_object=1, label_attribute_name="judged")
    gt.engine.pump()
    frame = start_working(page, portal, "judge")

    classifier = frame.locator("crowd-image-classifier")
    expect(frame.get_by_role("radio", name="wrong")).to_be_visible()
    expect(classifier.locator(".overlay canvas[data-ready]")).to_have_count(1)
    expect(frame.get_by_role("list", name="Overlay labels").locator("li")).to_have_text(
        ["cat", "dog"])
    classifier.locator(".overlay-alpha").fill("100")
    # The earlier map covers the picture exactly: its cat is where it was painted, and the
    # map's white background lets the image through.
    overlay = classifier.locator(".overlay").bounding_box()
    scale = overlay["width"] / SIZE[0]

    def on_screen(x: float, y: float) -> tuple[int, int, int]:
        shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
        return shot.getpixel((int(overlay["x"] + x * scale), int(overlay["y"] + y * scale)))

    assert on_screen(25, 25) == CAT
    assert on_screen(70, 45) == GREY
    frame.locator("body").press("o")
    assert on_screen(25, 25) == GREY  # hidden with the O key

    frame.get_by_role("radio", name="wrong").check()
    frame.get_by_role("button", name="Add a comment").click()
    frame.get_by_role("textbox", name="What is wrong?").fill("the cat is bigger")
    frame.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(f"{portal}/jobs")
    gt.advance(3600)
    assert gt.describe("judge")["LabelingJobStatus"] == "Completed"
    [line] = gt.output_manifest("judge")
    assert line["segmentation-ref"] == earlier[0]["segmentation-ref"]
    assert line["judged"] == 1
    metadata = line["judged-metadata"]
    assert metadata["class-name"] == "wrong"
    assert metadata["type"] == "groundtruth/label-verification"
    assert metadata["worker-feedback"] == [{"comment": "the cat is bigger"}]
