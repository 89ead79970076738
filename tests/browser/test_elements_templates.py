"""The project's sample templates, rendered by worker_ui.liquid exactly as the worker UI does
(Liquid, grant_read_access, the assets.crowd.aws rewrite), worked in Chromium with our elements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from worker_ui import assets
from worker_ui.liquid import parse_template, render_task, rewrite_crowd_assets

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HOSTILE_LABELS = ["circle", "<script>alert(1)</script>", 'say "hi" & bye', "it's"]


def rendered_task_page(task_site, template_path: Path) -> str:
    template = parse_template(template_path.read_text(), name=template_path.name)
    html = render_task(
        template,
        {"taskObject": "s3://bucket/shapes-00.png", "labels": HOSTILE_LABELS},
        media_url=lambda bucket, key: "/image.svg",
    )
    task = "<script>window.GTEMU_TASK = {submitUrl: '/submit', csrfToken: 't', mode: 'submit'};"
    page_html = f"{task}</script>\n{rewrite_crowd_assets(html, assets.SCRIPT_URL)}"
    assert "assets.crowd.aws" not in page_html
    return task_site.page_url(page_html, raw=True)


@pytest.mark.parametrize(
    ("folder", "element", "expected"),
    [
        ("multilabel", "crowd-image-classifier-multi-select", {"labels": HOSTILE_LABELS[1:3]}),
        ("singlelabel", "crowd-image-classifier", {"label": HOSTILE_LABELS[2]}),
    ],
)
def test_sample_template_worked_with_the_keyboard(
    page, task_site, page_log, folder, element, expected
):
    page.goto(rendered_task_page(task_site, FIXTURES / folder / "template.liquid.html"))
    page.evaluate("window.gtemuCrowd.ready")
    names = page.locator(f"{element} .category .text").all_inner_texts()
    assert names == HOSTILE_LABELS
    page.keyboard.press("2")
    page.keyboard.press("3")
    page.keyboard.press("Control+Enter")
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()

    assert [json.loads(s.task_answers) for s in task_site.submissions] == [[{element: expected}]]
    assert page_log.blocked_requests == []
