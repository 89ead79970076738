"""The seam the job engine and the API code against: parse once, render per task."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import pytest

from worker_ui.liquid import (
    TemplateRenderError,
    TemplateSyntaxError,
    WorkerTemplate,
    parse_template,
    render_task,
    rewrite_crowd_assets,
)

from .helpers import attributes_of


def bundled(kind: str, name: str) -> str:
    return resources.files("gtemu_fixtures").joinpath(kind, name).read_text(encoding="utf-8")


def bundled_template(kind: str) -> str:
    return bundled(kind, "template.liquid.html")


@pytest.mark.parametrize(
    ("kind", "element"),
    [
        ("multilabel", "crowd-image-classifier-multi-select"),
        ("singlelabel", "crowd-image-classifier"),
    ],
)
def test_every_bundled_manifest_line_renders_a_page_with_its_image_and_labels(
    kind: str, element: str
) -> None:
    template = parse_template(bundled_template(kind))
    labels = [entry["label"] for entry in json.loads(bundled(kind, "labels.json"))["labels"]]
    lines = [json.loads(line) for line in bundled(kind, "manifest.jsonl").splitlines() if line]

    for line in lines:
        task_input = {"taskObject": line["source-ref"], "labels": labels}
        html = rewrite_crowd_assets(
            render_task(template, task_input, media_url=lambda b, k: f"/media/{b}/{k}"),
            "/crowd/crowd-html-elements.js",
        )
        attributes = attributes_of(html, element)

        assert attributes["src"] == "/media/" + line["source-ref"].removeprefix("s3://")
        assert json.loads(attributes["categories"] or "") == labels
        assert "assets.crowd.aws" not in html


def test_the_built_in_multi_label_template_renders_a_task() -> None:
    template = parse_template(bundled_template("multilabel"))

    html = render_task(template, {"taskObject": "s3://bucket/img/a.png", "labels": ["Cat", "Dog"]})

    assert 'src="https://s3.amazonaws.com/bucket/img/a.png"' in html
    assert 'categories="[&#34;Cat&#34;,&#34;Dog&#34;]"' in html


def test_a_parsed_template_renders_many_inputs() -> None:
    template = parse_template("{{ task.input.name }}", name="greeting")

    assert isinstance(template, WorkerTemplate)
    assert template.name == "greeting"
    assert [render_task(template, {"name": n}) for n in ("a", "b")] == ["a", "b"]


def test_media_url_function_gives_the_url_of_every_s3_object() -> None:
    template = parse_template("{{ task.input.taskObject | grant_read_access }}")

    html = render_task(
        template,
        {"taskObject": "s3://bucket/photo.jpg"},
        media_url=lambda bucket, key: f"/media/{bucket}:{key}",
    )

    assert html == "/media/bucket:photo.jpg"


def test_syntax_error_carries_message_line_and_column() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse_template("<p>\n  {{ task.input | }}\n</p>")

    assert caught.value.line == 2
    assert caught.value.column == 6
    assert "expected" in caught.value.message


def test_filter_error_is_invalid_parameters_with_position() -> None:
    template = parse_template('<img\n src="{{ task.input.missing | grant_read_access }}">')

    with pytest.raises(TemplateRenderError) as caught:
        render_task(template, {})

    error = caught.value
    assert error.code == "InvalidParameters"
    assert error.message == '"grant_read_access" input is not a valid S3 URI: "".'
    assert (error.line, error.column) == (2, 31)


def test_importing_the_liquid_package_does_not_import_flask() -> None:
    code = "import sys, worker_ui.liquid; print('flask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.stdout.strip() == "False", result.stderr
