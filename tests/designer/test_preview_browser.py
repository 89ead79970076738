"""The preview page in a real Chromium: live reload, the error overlay, the submitted answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from worker_ui.preview import PreviewSession, PreviewSource, create_preview_app

from .conftest import LiveServer
from .helpers import AWS_MULTI_LABEL, MULTI_LABEL, write_project
from .test_preview import touch_later

pytestmark = pytest.mark.browser
CLASSIFIER = "crowd-image-classifier-multi-select"


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    paths = write_project(tmp_path, lines=[{"source-ref": "s3://bucket/images/a.png"}])
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(
        (MULTI_LABEL.parent / "images" / "shapes-00.png").read_bytes()
    )
    return paths


@pytest.fixture
def preview_url(project: dict[str, Path]) -> Iterator[str]:
    session = PreviewSession(
        PreviewSource(project["template"], manifest=project["manifest"], labels=project["labels"])
    )
    server = LiveServer(create_preview_app(session))
    yield f"{server.url}/preview/"
    server.stop()


@pytest.fixture
def preview(page: Page, preview_url: str) -> Iterator[Page]:
    """The preview page, open and watching; left before the server stops, so that its
    pending long poll does not fail."""
    page.goto(preview_url)
    expect(page.locator("#status")).to_have_text("watching for changes")
    yield page
    page.goto("about:blank")


def test_an_edit_on_disk_shows_in_the_open_page_without_a_reload(preview: Page, project):
    page = preview
    task = page.frame_locator("#task")
    expect(task.get_by_text("Please identify all classes in image")).to_be_visible()
    page.evaluate("window.sameDocument = true")

    touch_later(
        project["template"],
        AWS_MULTI_LABEL.replace(
            "Please identify all classes in image", "Which animals do you see?"
        ),
    )
    expect(task.get_by_text("Which animals do you see?")).to_be_visible()

    touch_later(
        project["template"],
        AWS_MULTI_LABEL.replace("<crowd-form>", "<crowd-form>{% for label in %}"),
    )
    overlay = page.locator("#overlay")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("Liquid syntax error")
    expect(overlay).to_contain_text("line 2, column")
    expect(overlay.locator(".current")).to_contain_text("<crowd-form>{% for label in %}")

    touch_later(project["template"], AWS_MULTI_LABEL)
    expect(overlay).to_be_hidden()
    expect(task.get_by_text("Please identify all classes in image")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True


def test_submitting_a_filled_form_shows_the_answer_json_and_its_checks(preview: Page):
    page = preview
    task = page.frame_locator("#task")
    task.get_by_role("checkbox", name="Dog").check()
    task.get_by_role("button", name="Submit").click()

    answer = page.locator("#answer-json")
    expect(answer).to_be_visible()
    assert json.loads(answer.text_content() or "") == {CLASSIFIER: {"labels": ["Dog"]}}
    expect(page.locator("#answer-checks")).to_contain_text(
        f"✓ {CLASSIFIER}: matches the output contract of <{CLASSIFIER}>"
    )


def test_the_variables_panel_shows_a_typo_with_a_suggestion(preview: Page, project):
    page = preview
    expect(page.locator("#variables")).to_contain_text("task.input.taskObject")
    typo = AWS_MULTI_LABEL.replace("input.taskObject", "input.taskobject")
    touch_later(project["template"], typo)
    row = page.locator("#variables tr", has_text="task.input.taskobject")
    expect(row).to_contain_text("not provided — did you mean task.input.taskObject?")
    expect(page.locator("#unused-inputs")).to_have_text(
        "Provided but never read: task.input.taskObject"
    )
