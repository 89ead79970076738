"""Named-entity and segmentation jobs worked in the worker portal in a real Chromium: the NER job
names AWS's own NER worker UI and gets gtemu's crowd-entity-annotation; the segmentation answer
(a label map at the image's real size) passes the server's check; a person judges that kind of
label map, shown over the image, in a VerificationSemanticSegmentation task; answers reach S3 and
the jobs complete with their documented outputs."""

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
TEXT = "Jane Doe \U0001f680 visited Lisbon."
NER_UI = "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/NamedEntityRecognition"
# The verification test: a grey picture, an earlier map with a cat painted in one area.
MAP_SIZE = (90, 60)  # width, height
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


def finish(page: Page, portal: str, gt: GroundTruth, job: str) -> dict:
    """After the last submit the portal goes back to the job list; then the batch is
    consolidated (the virtual clock moves past the batch wait)."""
    expect(page).to_have_url(f"{portal}/jobs")
    expect(page.locator(".message")).to_contain_text(re.compile(f"has ended|No task of {job}"))
    gt.advance(3600)
    return gt.describe(job)


def test_ner_job_with_aws_ner_ui_in_the_portal(portal, page, groundtruth):
    gt = groundtruth
    uris = gt.upload_inputs([TEXT], labels=["person", "place"], task_type="NamedEntityRecognition")
    gt.create_job(
        "people",
        uris,
        task_type="NamedEntityRecognition",
        workers_per_object=1,
        label_attribute_name="people",
        UiConfig={"HumanTaskUiArn": NER_UI},
    )
    gt.engine.pump()
    frame = start_working(page, portal, "people")

    start = TEXT.index("Lisbon")  # code points; the rocket before it is two UTF-16 units
    frame.get_by_role("radio", name="place").check()
    first = frame.locator(f"crowd-entity-annotation span[data-i='{start}']").bounding_box()
    last = frame.locator(f"crowd-entity-annotation span[data-i='{start + 5}']").bounding_box()
    page.mouse.move(first["x"] + 1, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] - 1, last["y"] + last["height"] / 2, steps=4)
    page.mouse.up()
    frame.get_by_role("button", name="Submit").click()
    assert finish(page, portal, gt, "people")["LabelingJobStatus"] == "Completed"
    [line] = gt.output_manifest("people")
    assert line["people"]["annotations"]["entities"] == [
        {"label": "place", "startOffset": start, "endOffset": start + 6}
    ]
    assert line["people-metadata"]["type"] == "groundtruth/text-span"


def test_segmentation_job_in_the_portal(portal, page, groundtruth):
    gt = groundtruth
    buffer = io.BytesIO()
    Image.fromarray(np.full((60, 90, 3), 200, np.uint8), "RGB").save(buffer, "PNG")
    gt.put_object(f"{BUCKET}/images/0.png", buffer.getvalue())
    uris = gt.upload_inputs(
        [f"{BUCKET}/images/0.png"], labels=["cat", "dog"], task_type="SemanticSegmentation"
    )
    gt.create_job(
        "pets",
        uris,
        task_type="SemanticSegmentation",
        workers_per_object=1,
        label_attribute_name="pets-ref",
    )
    gt.engine.pump()
    frame = start_working(page, portal, "pets")
    tool = frame.locator("crowd-semantic-segmentation")
    expect(frame.get_by_role("radio", name="cat")).to_be_visible()
    frame.locator("crowd-semantic-segmentation").evaluate(
        "el => new Promise((resolve) => el.map ? resolve() :"
        " el.addEventListener('gtemu:image-ready', resolve, { once: true }))"
    )
    box = tool.locator(".overlay").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    frame.get_by_role("button", name="Submit").click()
    assert finish(page, portal, gt, "pets")["LabelingJobStatus"] == "Completed"
    [line] = gt.output_manifest("pets")
    label_map = Image.open(io.BytesIO(gt.read_bytes(line["pets-ref"])))
    assert label_map.size == (90, 60)
    pixels = np.asarray(label_map.convert("RGB"))
    assert tuple(pixels[30, 27]) == (0x1F, 0x77, 0xB4)  # the cat dot, in the colour map's colour
    assert tuple(pixels[5, 85]) == (255, 255, 255)  # BACKGROUND
    assert line["pets-ref-metadata"]["internal-color-map"]["1"]["class-name"] == "cat"


def painted_answer(task_input: dict, worker: str) -> dict:
    rgba = np.zeros((MAP_SIZE[1], MAP_SIZE[0], 4), np.uint8)
    left, top, right, bottom = CAT_AREA
    rgba[top:bottom, left:right] = (*CAT, 255)
    return {"crowd-semantic-segmentation": {
        "inputImageProperties": {"height": MAP_SIZE[1], "width": MAP_SIZE[0]},
        "labelMappings": {"cat": {"color": "#1f77b4"}},
        "labeledImage": {"pngImageData": encode_label_map(rgba)},
    }}


def test_a_person_judges_a_label_map_seen_over_the_image(portal, page, groundtruth):
    gt = groundtruth
    buffer = io.BytesIO()
    Image.new("RGB", MAP_SIZE, GREY).save(buffer, "PNG")
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
    scale = overlay["width"] / MAP_SIZE[0]

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
