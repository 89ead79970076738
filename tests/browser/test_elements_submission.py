"""crowd-form's submission protocol (docs/elements.md): the POST, a double click, errors from
the server, messages to the portal frame, preview mode; and the accessibility check (axe)."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CLASSIFIER = "crowd-image-classifier-multi-select"
MULTI_LABEL_TEMPLATE = f"""
<crowd-form>
  <{CLASSIFIER} name="{CLASSIFIER}" src="/image.svg" header="Please identify all classes in image"
    categories="[&#34;Cat&#34;,&#34;Dog&#34;]" exclusion-category="{{ text: 'None of these' }}">
    <full-instructions header="Multi Label Image classification instructions">
      <p>Choose every class you see.</p>
    </full-instructions>
    <short-instructions><p>Choose every class you see.</p></short-instructions>
  </{CLASSIFIER}>
</crowd-form>
"""


def open_task(page: Page, url: str) -> None:
    page.goto(url)
    page.evaluate("window.gtemuCrowd.ready")


def test_a_double_click_submits_once_and_the_button_waits_for_the_server(page, task_site):
    task_site.reply = (200, {"ok": True}, 0.4)
    open_task(page, task_site.page_url(MULTI_LABEL_TEMPLATE))
    page.keyboard.press("1")
    # The form announces every answer it sends (`gtemu:answer`, before its POST).
    page.evaluate("window.sent = 0; document.addEventListener('gtemu:answer', () => window.sent++)")
    submit = page.get_by_role("button", name="Submit")
    submit.dblclick()
    expect(submit).to_be_disabled()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    page.keyboard.press("Control+Enter")
    # This evaluate runs after the key's handlers: a second send would be counted by now.
    assert page.evaluate("window.sent") == 1
    assert len(task_site.submissions) == 1
    expect(submit).to_be_disabled()  # the task is done


def test_a_rejected_answer_shows_the_servers_message_inline(page, task_site, page_log):
    page_log.allow("status of 400")
    task_site.reply = (400, {"message": "The task's time limit has passed."}, 0.0)
    open_task(page, task_site.page_url(MULTI_LABEL_TEMPLATE))
    page.keyboard.press("2")
    page.get_by_role("button", name="Submit").click()
    alert = page.locator("crowd-form crowd-alert[type=error]")
    expect(alert).to_contain_text("The task's time limit has passed.")
    expect(page.get_by_role("button", name="Submit")).to_be_enabled()

    task_site.reply = (200, {"ok": True}, 0.0)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert len(task_site.submissions) == 2


def test_the_portal_frame_hears_the_answer_and_the_servers_response(page, task_site, page_log):
    task_site.reply = (200, {"ok": True, "next": "/tasks/next"}, 0.0)
    task_url = task_site.page_url(MULTI_LABEL_TEMPLATE)
    portal = task_site.page_url(
        f"""<!doctype html><html lang="en"><title>Portal</title>
        <script>window.messages = [];
          addEventListener('message', (event) => window.messages.push(event.data));</script>
        <iframe title="Task" src="{task_url}" style="width:1200px;height:700px"></iframe>""",
        raw=True,
    )
    page.goto(portal)
    frame = page.frame_locator("iframe")
    frame.get_by_role("checkbox", name="Dog").check()
    frame.get_by_role("button", name="Submit").click()
    page.wait_for_function("window.messages.length > 0")
    assert page.evaluate("window.messages") == [
        {"type": "gtemu:submitted", "response": {"ok": True, "next": "/tasks/next"}}
    ]
    answers = [json.loads(s.task_answers) for s in task_site.submissions]
    assert answers == [[{CLASSIFIER: {"labels": ["Dog"]}}]]
    assert page_log.blocked_requests == []


def test_preview_mode_hands_the_answer_to_the_parent_without_a_request(page, task_site):
    task_url = task_site.page_url(MULTI_LABEL_TEMPLATE, task="{mode: 'preview'}")
    designer = task_site.page_url(
        f"""<!doctype html><html lang="en"><title>Preview</title>
        <script>window.messages = [];
          addEventListener('message', (event) => window.messages.push(event.data));</script>
        <iframe title="Preview" sandbox="allow-scripts" src="{task_url}"></iframe>""",
        raw=True,
    )
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.goto(designer)
    frame = page.frame_locator("iframe")
    frame.get_by_role("checkbox", name="None of these").check()
    frame.get_by_role("button", name="Submit").click()
    page.wait_for_function("window.messages.length > 0")
    assert page.evaluate("window.messages") == [
        {"type": "gtemu:answer", "answer": {CLASSIFIER: {"labels": ["None of these"]}}}
    ]
    assert posts == []
    assert task_site.submissions == []


def test_the_answer_event_fires_on_document(page, task_site):
    open_task(page, task_site.page_url(MULTI_LABEL_TEMPLATE))
    page.evaluate(
        "window.answers = [];"
        "document.addEventListener('gtemu:answer', (e) => answers.push(e.detail.answer))"
    )
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert page.evaluate("window.answers") == [{CLASSIFIER: {"labels": ["Cat"]}}]


def test_the_multi_label_task_page_has_no_serious_accessibility_violations(page, task_site):
    open_task(page, task_site.page_url(MULTI_LABEL_TEMPLATE))
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document)")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    # The check looked inside the elements' shadow roots: the category checkboxes have labels.
    labelled = next(rule for rule in results["passes"] if rule["id"] == "label")
    assert [[CLASSIFIER, 'input[value="Cat"]']] in [n["target"] for n in labelled["nodes"]]


def test_requests_off_the_machine_are_blocked_and_recorded(page, task_site, page_log):
    page_log.allow("ERR_PROXY_CONNECTION_FAILED")
    template = '<img alt="remote" src="https://example.com/remote.png">' + MULTI_LABEL_TEMPLATE
    open_task(page, task_site.page_url(template))
    page.wait_for_function("document.querySelector('img[alt=remote]').complete")
    assert page_log.blocked_requests == ["https://example.com/remote.png"]
