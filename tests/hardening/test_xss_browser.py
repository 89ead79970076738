"""XSS payloads in label categories, manifest fields, S3 keys and job texts stay inert text in a
real Chromium: no dialog, no injected element, no script run (issue 7, item 4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from emulator.testing import GroundTruth
from worker_ui.app import create_app

pytestmark = pytest.mark.browser

ELEMENT = "crowd-image-classifier-multi-select"
PRE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:gtemu-xss-pre"
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">'
       '<rect width="320" height="240" fill="#8ab"/></svg>')
IMG = "<img src=x onerror=\"window.__xss='img';alert('img')\">"
SCRIPT = "\"><script>window.__xss='script';alert('script')</script>"
SVG_ONLOAD = "'><svg onload=\"window.__xss='svg';alert('svg')\"></svg>"
LIQUID = "{{ 7 | times: 7 }}{% raw %}"
LABELS = ["cat", IMG, SCRIPT, SVG_ONLOAD, LIQUID]
NOTE = IMG + SCRIPT + SVG_ONLOAD + "</p><iframe src=javascript:alert('frame')></iframe>"
KEY = "images/\"><img src=x onerror=alert('key')>.svg"
TEMPLATE = f"""<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <{ELEMENT} name="{ELEMENT}" src="{{{{ task.input.taskObject | grant_read_access }}}}"
    header="Choose" categories="{{{{ task.input.labels | to_json | escape }}}}">
    <full-instructions header="Instructions">Choose.</full-instructions>
    <short-instructions>Choose.</short-instructions>
  </{ELEMENT}>
  <p id="note">{{{{ task.input.note }}}}</p>
  <p id="note-attribute" title="{{{{ task.input.note }}}}">note</p>
  <p id="source">{{{{ task.input.taskObject }}}}</p>
</crowd-form>
"""


def _pre_with_note(event: dict, context: object) -> dict:
    line = event["dataObject"]
    return {"taskInput": {"taskObject": line["source-ref"], "labels": LABELS,
                          "note": line["note"]}}


# Every element of the document and of the shadow roots in it (the crowd elements render there).
ALL_ELEMENTS = ("(function all(root) { return [...root.querySelectorAll('*')].flatMap("
                "e => e.shadowRoot ? [e, ...all(e.shadowRoot)] : [e]); })(document)")


def test_payloads_in_labels_manifest_fields_and_job_texts_stay_inert(
    groundtruth: GroundTruth, live_server, page
):
    gt = groundtruth
    source = gt.put_object(f"s3://gtemu-test/{KEY}", SVG)
    gt.register_lambda(PRE_ARN, _pre_with_note)
    uris = gt.upload_inputs([{"source-ref": source, "note": NOTE}], labels=LABELS,
                            template=TEMPLATE)
    gt.create_job("xss", uris, workers_per_object=1, PreHumanTaskLambdaArn=PRE_ARN,
                  TaskTitle=f"Title {IMG}", TaskDescription=f"About {SCRIPT}")
    gt.engine.pump()
    assert gt.status("xss") == "InProgress"
    app = create_app({"SECRET_KEY": "hardening-xss", "TESTING": True})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(live_server(app) + "/")
    page.fill("#user_name", "ann")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Title {IMG}")).to_be_visible()
    page.get_by_role("button", name="Start working").click()

    frame = page.frame_locator("iframe")
    expect(frame.locator("#note")).to_have_text(NOTE)
    expect(frame.locator("#note-attribute")).to_have_attribute("title", NOTE)
    expect(frame.locator("#source")).to_have_text(source)
    for label in LABELS:
        expect(frame.locator(ELEMENT).get_by_text(label, exact=True)).to_have_count(1)
    expect(page.get_by_text(f"About {SCRIPT}")).to_be_visible()
    task_frame = next(f for f in page.frames if f != page.main_frame)
    for where in (page.main_frame, task_frame):
        # Every image of the document, shadow roots included, has loaded or failed: an injected
        # one's onload or onerror has then run (they fire as the image completes).
        where.wait_for_load_state("load")
        where.wait_for_function(f"() => {ALL_ELEMENTS}.filter(e => e.tagName === 'IMG')"
                                ".every(image => image.complete)")
    for where in (page.main_frame, task_frame):
        assert where.evaluate("() => window.__xss") is None
        injected = where.evaluate(
            f"() => {ALL_ELEMENTS}.filter(e => e.matches("
            "'img[src=x], svg[onload], iframe[src^=javascript]')).length"
            " + [...document.scripts].filter(s => s.text.trim().startsWith('window.__xss'))"
            ".length"
        )
        assert injected == 0
    assert dialogs == []
    assert "49" not in frame.locator("#note").inner_text()
