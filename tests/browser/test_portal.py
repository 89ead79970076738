"""The worker portal in a real Chromium: sign in, work the queue with clicks and keys, decline,
the time limit; answers reach S3. Jobs are real jobs in moto (`mock_aws` in this process) and
the portal is a live server in a thread of this process, so both share moto's state."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pytest
from flask import Flask
from playwright.sync_api import FrameLocator, Page, expect

from emulator.testing import GroundTruth, builtin_template
from worker_ui.app import create_app

CLASSIFIER = "crowd-image-classifier-multi-select"
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">'
       '<rect width="320" height="240" fill="#8ab"/><circle cx="160" cy="120" r="60" '
       'fill="#fc3"/></svg>')
EXCLUSION = "exclusion-category=\"{ text: 'None of the above' }\""


def create_job(gt: GroundTruth, *, objects: int = 2, template: str | None = None,
               **overrides) -> None:
    images = [gt.put_object(f"s3://gtemu-test/images/{i}.svg", SVG) for i in range(objects)]
    uris = gt.upload_inputs(images, labels=["cat", "dog", "bird"], template=template)
    gt.create_job("animals", uris, workers_per_object=1, **overrides)
    gt.engine.pump()


@pytest.fixture
def portal_config(request: pytest.FixtureRequest) -> dict:
    """The app's config; parametrize it indirectly with True for an isolated task frame."""
    isolated = getattr(request, "param", False)
    return {"SECRET_KEY": "browser-tests", "PORTAL_POLL_SECONDS": 0.2,
            "PORTAL_ISOLATED_FRAME": isolated}


@pytest.fixture
def portal(groundtruth: GroundTruth, live_server: Callable[[Flask], str], portal_config) -> str:
    """The portal's base URL. Tests list it before `page`, so that the page closes before the
    server and moto go away."""
    return live_server(create_app(portal_config))


def sign_in_and_start(page: Page, portal: str, user: str = "alice") -> FrameLocator:
    page.goto(portal + "/")
    page.get_by_label("User name").fill(user)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("tr[data-job=animals] .remaining")).to_have_text(re.compile(r"\d+ of \d+"))
    page.get_by_role("button", name="Start working").click()
    return ready_frame(page)


def ready_frame(page: Page) -> FrameLocator:
    expect(page.locator("#task-frame")).to_be_visible()
    frame = page.frame_locator("#task-frame")
    expect(frame.get_by_role("checkbox", name="cat")).to_be_visible()
    return frame


def next_task_frame(page: Page, previous_task_id: str) -> FrameLocator:
    """The task frame once it shows the task after `previous_task_id`. The next task loads in
    place: until its page has loaded, the frame still shows the answered one, and a key
    pressed then would go to the old page."""
    page.wait_for_function("id => window.gtemuPortal.task.taskId !== id", arg=previous_task_id)
    source = urljoin(page.url, page.locator("#task-frame").get_attribute("src") or "")
    page.locator("#task-frame").element_handle().content_frame().wait_for_url(source)
    return ready_frame(page)


def current_task_id(page: Page) -> str:
    return page.evaluate("window.gtemuPortal.task.taskId")


def worker_answers(gt: GroundTruth) -> dict[str, list[dict]]:
    """answerContent of every answer in the worker-response files, by datasetObjectId."""
    found: dict[str, list[dict]] = {}
    for key in gt.output_files("animals"):
        if "/worker-response/" in key:
            document = gt.read_json(f"s3://gtemu-test/{key}")
            found[key.split("/")[-2]] = [a["answerContent"] for a in document["answers"]]
    return found


@pytest.mark.parametrize(
    "portal_config", [False, True], ids=["same-origin-frame", "isolated-frame"], indirect=True
)
def test_label_with_clicks_then_keys_and_find_the_answers_in_s3(portal, page, groundtruth,
                                                                 page_log):
    create_job(groundtruth)
    frame = sign_in_and_start(page, portal)
    expect(page.locator("#task-title")).to_have_text("animals task")
    expect(frame.locator(f"{CLASSIFIER} img")).to_have_js_property("complete", True)
    first_task = current_task_id(page)
    page.evaluate("window.samePage = true")

    frame.get_by_role("checkbox", name="cat").check()
    frame.get_by_role("checkbox", name="bird").check()
    frame.get_by_role("button", name="Submit").click()

    # The next task appears in place, without reloading the portal page.
    frame = next_task_frame(page, first_task)
    expect(page).not_to_have_url(f"{portal}/tasks/{first_task}")
    second_task = current_task_id(page)
    assert page.evaluate("window.samePage") is True
    frame.get_by_text("Please choose the right categories").first.click()
    page.keyboard.press("2")
    page.keyboard.press("Control+Enter")

    expect(page).to_have_url(f"{portal}/jobs")
    expect(page.locator(".message")).to_contain_text(re.compile("has ended|No task of animals"))
    objects = {t: groundtruth.engine.task(t).dataset_object_id for t in (first_task, second_task)}
    answers = worker_answers(groundtruth)
    assert answers[objects[first_task]] == [{CLASSIFIER: {"labels": ["cat", "bird"]}}]
    assert answers[objects[second_task]] == [{CLASSIFIER: {"labels": ["dog"]}}]
    manifest = groundtruth.output_manifest("animals")
    assert [line["animals-metadata"]["class-map"] for line in manifest] != []
    assert page_log.blocked_requests == []


# The default, same-origin task frame. (Headless Chromium emulates page focus only in the
# page's own renderer: an isolated frame runs in another one, where focus is not emulated.)
def test_number_keys_work_on_the_first_task_without_a_click(portal, page, groundtruth):
    create_job(groundtruth)
    frame = sign_in_and_start(page, portal)
    # No click: the task page has the keyboard focus once it has loaded.
    task_page_has_focus(page)
    first_task = current_task_id(page)
    page.keyboard.press("1")
    expect(frame.get_by_role("checkbox", name="cat")).to_be_checked()
    page.keyboard.press("Control+Enter")
    frame = next_task_frame(page, first_task)  # loaded in place, it takes the focus too
    task_page_has_focus(page)
    page.keyboard.press("3")
    expect(frame.get_by_role("checkbox", name="bird")).to_be_checked()
    page.keyboard.press("Control+Enter")

    expect(page).to_have_url(f"{portal}/jobs")
    answers = sorted(a[0][CLASSIFIER]["labels"] for a in worker_answers(groundtruth).values())
    assert answers == [["bird"], ["cat"]]


def task_page_has_focus(page: Page) -> None:
    task_frame = page.locator("#task-frame").element_handle().content_frame()
    task_frame.wait_for_load_state("load")
    task_frame.wait_for_function("document.hasFocus()")


def test_exclusion_category_is_stored_as_the_only_label(portal, page, groundtruth):
    template = builtin_template("ImageMultiClassMultiLabel").replace(
        'name="crowd-image-classifier-multi-select"',
        f'name="crowd-image-classifier-multi-select" {EXCLUSION}',
    )
    create_job(groundtruth, objects=1, template=template)
    frame = sign_in_and_start(page, portal)
    frame.get_by_role("checkbox", name="cat").check()
    frame.get_by_role("checkbox", name="None of the above").check()
    expect(frame.get_by_role("checkbox", name="cat")).not_to_be_checked()
    task_id = current_task_id(page)
    frame.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(f"{portal}/jobs")
    assert groundtruth.engine.task(task_id).answer == {
        CLASSIFIER: {"labels": ["None of the above"]}}


def test_submitting_nothing_shows_the_message_and_posts_nothing(portal, page, groundtruth):
    create_job(groundtruth)
    frame = sign_in_and_start(page, portal)
    task_id = current_task_id(page)
    posts = []
    page.on("request", lambda r: posts.append(r.post_data) if r.url.endswith("/submit") else None)
    frame.get_by_role("button", name="Submit").click()
    expect(frame.get_by_text("Please choose at least one category.")).to_be_visible()
    assert current_task_id(page) == task_id
    # A valid answer after it is the only one posted and stored (the page posts in order).
    frame.get_by_role("checkbox", name="dog").check()
    frame.get_by_role("button", name="Submit").click()
    page.wait_for_function(f"window.gtemuPortal.task.taskId !== {json.dumps(task_id)}")
    assert len(posts) == 1
    assert groundtruth.engine.task(task_id).answer == {CLASSIFIER: {"labels": ["dog"]}}


def test_a_double_click_stores_one_answer(portal, page, groundtruth):
    create_job(groundtruth)
    frame = sign_in_and_start(page, portal)
    task_id = current_task_id(page)
    frame.get_by_role("checkbox", name="dog").check()
    frame.get_by_role("button", name="Submit").dblclick()
    expect(page.locator("#task-frame")).to_be_visible()
    page.wait_for_function(f"window.gtemuPortal.task.taskId !== {json.dumps(task_id)}")
    groundtruth.advance(31)
    item = groundtruth.engine.task(task_id).dataset_object_id
    assert worker_answers(groundtruth)[item] == [{CLASSIFIER: {"labels": ["dog"]}}]


def test_decline_offers_another_item(portal, page, groundtruth):
    create_job(groundtruth)
    sign_in_and_start(page, portal)
    task_id = current_task_id(page)
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_text("You declined the task")).to_be_visible()
    ready_frame(page)
    new_task = current_task_id(page)
    engine = groundtruth.engine
    assert engine.task(task_id).state == "declined"
    assert engine.task(new_task).dataset_object_id != engine.task(task_id).dataset_object_id


def test_release_goes_back_to_the_job_list(portal, page, groundtruth):
    create_job(groundtruth)
    sign_in_and_start(page, portal)
    task_id = current_task_id(page)
    page.get_by_role("button", name="Stop and resume later").click()
    expect(page.get_by_text("went back to the queue")).to_be_visible()
    assert groundtruth.engine.task(task_id).state == "released"


def test_time_limit_counts_down_and_the_page_says_when_it_ran_out(portal, page, groundtruth):
    create_job(groundtruth, TaskTimeLimitInSeconds=30)
    sign_in_and_start(page, portal)
    task_id = current_task_id(page)
    expect(page.locator("#countdown")).to_have_text("0:30")
    groundtruth.advance(20)  # the countdown follows the emulator's (virtual) clock
    expect(page.locator("#countdown")).to_have_text("0:10")

    groundtruth.advance(11)  # the virtual clock: the engine expires the task
    expect(page.get_by_text("Time is up")).to_be_visible()
    expect(page.locator("#task-frame")).to_be_hidden()
    assert groundtruth.engine.task(task_id).state == "expired"

    page.get_by_role("button", name="Next task").click()
    ready_frame(page)
    assert current_task_id(page) != task_id


def test_sign_out_ends_the_session(portal, page, groundtruth, page_log):
    # The session ends on the server at once: a status poll or the report the task page sends
    # as it unloads (hidden time) carries the old cookie and is refused with 401, which the page
    # ignores but Chromium logs.
    page_log.allow(r"status of 401")
    create_job(groundtruth)
    sign_in_and_start(page, portal)
    task_url = page.url
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to work")).to_be_visible()
    page.goto(task_url)
    expect(page.get_by_role("heading", name="Sign in to work")).to_be_visible()


AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def serious_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {iframes: false})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_portal_and_dashboard_pages_pass_the_accessibility_check(portal, page, groundtruth):
    create_job(groundtruth, objects=1)
    page.goto(portal + "/")
    assert serious_violations(page) == []
    sign_in_and_start(page, portal)
    assert serious_violations(page) == []
    page.frame_locator("#task-frame").get_by_role("checkbox", name="dog").check()
    page.frame_locator("#task-frame").get_by_role("button", name="Submit").click()
    expect(page).to_have_url(f"{portal}/jobs")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Dashboard of animals").click()
    expect(page.locator("#job-status")).to_have_text("Completed")
    expect(page.locator("#chart-per-worker svg")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="manifests/output/output.manifest").click()
    expect(page.locator("body")).to_contain_text('"animals-metadata"')


def test_hostile_labels_and_manifest_fields_stay_inert(portal, page, groundtruth, page_log):
    hostile_label = '<img src=x onerror="window.pwned=1">'
    images = [groundtruth.put_object("s3://gtemu-test/images/x.svg", SVG)]
    line = {"source-ref": images[0], "note": "</script><script>window.pwned=2</script>"}
    uris = groundtruth.upload_inputs([line], labels=[hostile_label, "dog"])
    groundtruth.create_job("animals", uris, workers_per_object=1)
    groundtruth.engine.pump()
    page.goto(portal + "/")
    page.get_by_label("User name").fill("alice")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Start working").click()
    frame = page.frame_locator("#task-frame")
    box = frame.get_by_role("checkbox", name=hostile_label)
    expect(box).to_be_visible()
    assert frame.locator("body").evaluate("() => window.pwned") is None
    assert page.evaluate("window.pwned") is None
    task_id = current_task_id(page)
    box.check()
    frame.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(f"{portal}/jobs")
    assert groundtruth.engine.task(task_id).answer == {CLASSIFIER: {"labels": [hostile_label]}}
    assert page_log.blocked_requests == []


def set_visibility(page: Page, state: str) -> None:
    page.evaluate(
        """(state) => {
          Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
          document.dispatchEvent(new Event('visibilitychange'));
        }""",
        state,
    )


@pytest.mark.fresh_context  # the clock is the context's
def test_time_the_page_was_hidden_is_not_counted_as_time_spent(portal, page, groundtruth):
    create_job(groundtruth, objects=1)
    # Playwright's clock drives the page's performance.now(): paused, the hidden time is exactly
    # the time the test lets pass.
    page.clock.install()
    frame = sign_in_and_start(page, portal)
    groundtruth.advance(10)
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    set_visibility(page, "hidden")
    page.clock.run_for(2500)
    with page.expect_response(lambda r: r.url.endswith("/hidden")) as reported:
        set_visibility(page, "visible")
    page.clock.resume()
    hidden = reported.value.json()["hiddenSeconds"]
    assert hidden == pytest.approx(2.5, abs=1e-6)
    frame.get_by_role("checkbox", name="dog").check()
    frame.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(f"{portal}/jobs")
    [answers] = [
        groundtruth.read_json(f"s3://gtemu-test/{key}")["answers"]
        for key in groundtruth.output_files("animals") if "/worker-response/" in key
    ]
    assert answers[0]["timeSpentInSeconds"] == pytest.approx(10 - hidden, abs=0.05)
