"""The classification elements in a real Chromium: outputs, keyboard, exclusion, validation."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

MULTI_LABEL_TEMPLATE = """
<crowd-form>
  <crowd-image-classifier-multi-select
    name="crowd-image-classifier-multi-select"
    src="/image.svg"
    header="Please identify all classes in image"
    categories="[&#34;Cat&#34;,&#34;Dog&#34;,&#34;Bird &amp; &lt;b&gt;fish&lt;/b&gt;&#34;]"
    {exclusion}>
    <full-instructions header="Multi Label Image classification instructions">
      <p>Choose every class you see.</p>
    </full-instructions>
    <short-instructions><p>Choose every class you see.</p></short-instructions>
  </crowd-image-classifier-multi-select>
</crowd-form>
"""

CLASSIFIER = "crowd-image-classifier-multi-select"


def multi_label_page(task_site, exclusion: str = "") -> str:
    return task_site.page_url(MULTI_LABEL_TEMPLATE.replace("{exclusion}", exclusion))


def open_task(page: Page, url: str) -> None:
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")


def posted_answers(task_site) -> list:
    return [json.loads(s.task_answers) for s in task_site.submissions]


def submitted(page: Page) -> None:
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()


def test_multi_label_with_clicks_posts_the_mechanical_turk_wire_form(page, task_site, page_log):
    open_task(page, multi_label_page(task_site))
    page.get_by_role("checkbox", name="Cat").check()
    page.get_by_role("checkbox", name="Bird & <b>fish</b>").check()
    page.get_by_role("button", name="Submit").click()
    submitted(page)

    assert posted_answers(task_site) == [
        [{CLASSIFIER: {"labels": ["Cat", "Bird & <b>fish</b>"]}}]
    ]
    assert task_site.submissions[0].csrf_token == "token-123"
    assert page_log.blocked_requests == []


def test_multi_label_with_number_keys_and_ctrl_enter(page, task_site):
    open_task(page, multi_label_page(task_site))
    expect(page.locator(f"{CLASSIFIER} kbd")).to_have_text(["1", "2", "3"])
    page.keyboard.press("2")
    page.keyboard.press("3")
    page.keyboard.press("3")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_timeout(100)
    assert task_site.submissions == []  # plain Enter never submits

    page.keyboard.press("Control+Enter")
    submitted(page)
    assert posted_answers(task_site) == [[{CLASSIFIER: {"labels": ["Cat", "Dog"]}}]]
