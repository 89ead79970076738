"""`gtemu preview` in a real Chromium: live reload, the error overlay, the variables panel and
the submitted answer (the designer tools' unit and HTTP tests are in tests/designer/)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from worker_ui.preview import PreviewSession, PreviewSource, create_preview_app

CLASSIFIER = "crowd-image-classifier-multi-select"
FIXTURES = Path(str(resources.files("gtemu_fixtures")))
# AWS's multi-label template (docs/tasktypes.md#the-classification-types), as bundled.
AWS_MULTI_LABEL = (FIXTURES / "multilabel" / "template.liquid.html").read_text()
HEADER = "Please identify all classes in image"


def touch_later(path: Path, text: str) -> None:
    """Rewrites `path` with a modification time that surely differs from before."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "template": tmp_path / "template.liquid.html",
        "manifest": tmp_path / "manifest.jsonl",
        "labels": tmp_path / "labels.json",
    }
    paths["template"].write_text(AWS_MULTI_LABEL)
    paths["manifest"].write_text('{"source-ref": "s3://bucket/images/a.png"}\n')
    paths["labels"].write_text('{"labels": [{"label": "Cat"}, {"label": "Dog"}]}')
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(
        (FIXTURES / "images" / "shapes-00.png").read_bytes()
    )
    return paths


@pytest.fixture
def preview(
    page: Page, live_server: Callable[[Flask], str], project: dict[str, Path]
) -> Iterator[Page]:
    """The preview page, open and watching; left before the server stops, so that its
    pending long poll does not fail."""
    session = PreviewSession(
        PreviewSource(project["template"], manifest=project["manifest"], labels=project["labels"])
    )
    page.goto(live_server(create_preview_app(session)) + "/preview/")
    expect(page.locator("#status")).to_have_text("watching for changes")
    yield page
    page.goto("about:blank")


def test_an_edit_on_disk_shows_in_the_open_page_without_a_reload(preview: Page, project):
    page = preview
    task = page.frame_locator("#task")
    expect(task.get_by_text(HEADER)).to_be_visible()
    page.evaluate("window.sameDocument = true")

    touch_later(
        project["template"],
        AWS_MULTI_LABEL.replace(HEADER, "Which animals do you see?"),
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
    expect(task.get_by_text(HEADER)).to_be_visible()
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
