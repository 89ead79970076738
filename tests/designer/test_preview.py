"""The preview server over HTTP: variables panel, error overlay, samples, media, answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest
from flask.testing import FlaskClient
from moto import mock_aws

from worker_ui.app import create_app
from worker_ui.preview import PreviewSession, PreviewSource, create_preview_app

from .helpers import AWS_MULTI_LABEL, MULTI_LABEL, write_project

PNG = (MULTI_LABEL.parent / "images" / "shapes-00.png").read_bytes()


def preview_client(paths: dict[str, Path], **source: object) -> FlaskClient:
    session = PreviewSession(
        PreviewSource(
            paths["template"], manifest=paths["manifest"], labels=paths["labels"], **source
        )
    )
    return create_preview_app(session).test_client()


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    paths = write_project(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(PNG)
    return paths


def touch_later(path: Path, text: str) -> None:
    """Rewrites `path` with a modification time that surely differs from before."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_the_variables_panel_flags_a_typo_and_the_input_it_leaves_unread(project):
    touch_later(project["template"], AWS_MULTI_LABEL.replace("input.labels", "input.lables"))
    state = preview_client(project).get("/preview/state?sample=0").get_json()

    variables = {v["path"]: v for v in state["variables"]["read"]}
    assert variables["task.input.lables"] == {
        "path": "task.input.lables",
        "line": 7,
        "column": 20,
        "provided": False,
        "suggestion": "task.input.labels",
        "value": None,
    }
    assert variables["task.input.taskObject"]["provided"] is True
    assert variables["task.input.taskObject"]["value"] == '"s3://bucket/images/a.png"'
    assert state["variables"]["unused_inputs"] == ["task.input.labels"]
    assert any(
        f["message"].startswith("task.input.lables is undefined; did you mean")
        for f in state["findings"]
    )


def test_a_syntax_error_shows_its_message_line_column_and_source(project):
    broken = AWS_MULTI_LABEL.replace("<crowd-form>", "<crowd-form>\n  {% for x in %}")
    touch_later(project["template"], broken)
    client = preview_client(project)

    error = client.get("/preview/state").get_json()["error"]
    assert error["kind"] == "syntax"
    assert (error["line"], error["column"]) == (3, 10)
    current = [line for line in error["excerpt"] if line["current"]]
    assert current == [{"number": 3, "text": "  {% for x in %}", "current": True}]
    assert [line["number"] for line in error["excerpt"]] == [1, 2, 3, 4, 5, 6]
    frame = client.get("/preview/frame/0").get_data(as_text=True)
    assert "Task failed to render" in frame
    assert "(line 3, column 10)" in frame


def test_a_render_error_of_one_sample_and_switching_samples(tmp_path):
    paths = write_project(
        tmp_path, lines=[{"source-ref": "s3://b/a.png"}, {"source-ref": "not-a-uri"}]
    )
    client = preview_client(paths)

    first = client.get("/preview/state?sample=0").get_json()
    assert first["error"] is None
    assert first["task_input"] == {"taskObject": "s3://b/a.png", "labels": ["Cat", "Dog"]}
    assert [s["name"] for s in first["samples"]] == ["manifest.jsonl:1", "manifest.jsonl:2"]

    second = client.get("/preview/state?sample=1").get_json()
    assert second["error"]["kind"] == "render"
    assert second["error"]["message"] == (
        '"grant_read_access" input is not a valid S3 URI: "not-a-uri".'
    )
    assert (second["error"]["line"], second["error"]["column"]) == (5, 37)


def test_the_task_frame_is_the_worker_page_in_preview_mode_with_local_images(project):
    client = preview_client(project)
    html = client.get("/preview/frame/0").get_data(as_text=True)

    assert html.startswith('<script>window.GTEMU_TASK = {"mode": "preview"')
    assert '<script src="/crowd/crowd-html-elements.js"></script>' in html
    assert "assets.crowd.aws" not in html
    image_url = html.split('src="/preview/files/')[1].split('"')[0]
    image = client.get(f"/preview/files/{image_url}")
    assert (image.status_code, image.data) == (200, PNG)
    assert client.get("/preview/files/0123456789abcdef").status_code == 404


def test_an_object_without_a_local_file_is_read_from_the_fake_s3_of_the_process(project):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bucket")
        s3.put_object(Bucket="bucket", Key="images/b.png", Body=b"from S3", ContentType="image/png")
        client = preview_client(project)
        html = client.get("/preview/frame/1").get_data(as_text=True)  # images/b.png: no file
        media_url = html.split('src="')[2].split('"')[0]
        assert media_url.startswith("/media/")
        assert client.get(media_url).data == b"from S3"


def media_problems(client: FlaskClient, sample: int) -> list[dict]:
    state = client.get(f"/preview/state?sample={sample}").get_json()
    return [f for f in state["findings"] if f["code"] == "media-not-found"]


def test_an_image_that_nothing_can_serve_is_a_problem(project):
    client = preview_client(project)
    assert media_problems(client, 0) == []  # images/a.png is a local file
    [problem] = media_problems(client, 1)  # images/b.png is neither a file nor an S3 object
    assert problem["severity"] == "error"
    assert problem["message"].startswith("s3://bucket/images/b.png cannot be shown")
    assert "404" in problem["message"]
    assert (problem["line"], problem["column"]) == (5, 37)  # its grant_read_access
    html = client.get("/preview/frame/1").get_data(as_text=True)
    assert client.get(html.split('src="')[2].split('"')[0]).status_code == 404


def test_an_image_in_the_fake_s3_is_no_problem(project):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bucket")
        s3.put_object(Bucket="bucket", Key="images/b.png", Body=PNG, ContentType="image/png")
        assert media_problems(preview_client(project), 1) == []


def test_the_answer_is_checked_against_the_elements_contract(project):
    client = preview_client(project)
    name = "crowd-image-classifier-multi-select"

    good = client.post("/preview/answer?sample=0", json={"answer": {name: {"labels": ["Dog"]}}})
    assert good.get_json()["ok"] is True

    bad = client.post("/preview/answer?sample=0", json={"answer": {name: {"labels": ["Cow"]}}})
    assert bad.get_json()["ok"] is False
    assert bad.get_json()["checks"][0]["message"] == (
        f"not categories of the task: ['Cow'] (output of <{name}>)"
    )

    empty = client.post("/preview/answer", json={"answer": {}}).get_json()
    assert [c["message"] for c in empty["checks"] if not c["ok"]] == [
        f'<{name} name="{name}"> contributed nothing',
        "a built-in classification job would reject this answer: no element output with "
        "'labels' or 'label' (spec §4.4)",
    ]
    assert client.post("/preview/answer", data="x").status_code == 400


def test_an_edit_on_disk_bumps_the_version_that_the_page_long_polls(project):
    client = preview_client(project)
    version = client.get("/preview/state").get_json()["version"]
    unchanged = client.get(f"/preview/changes?since={version}&timeout=0.3").get_json()
    assert unchanged == {"version": version}

    touch_later(project["manifest"], '{"source-ref": "s3://bucket/images/c.png"}\n')
    changed = client.get(f"/preview/changes?since={version}&timeout=5").get_json()
    assert changed["version"] > version
    state = client.get("/preview/state").get_json()
    assert state["task_input"]["taskObject"] == "s3://bucket/images/c.png"


def test_the_worker_ui_of_gtemu_serve_has_no_preview_without_a_template():
    response = create_app().test_client().get("/preview/")
    assert response.status_code == 404
    assert "gtemu preview TEMPLATE" in response.get_data(as_text=True)


def test_an_edited_pre_annotation_function_rebuilds_the_task_inputs(project):
    pre = project["template"].parent / "pre_annotation.py"
    pre.write_text("def handler(event, context):\n    return {'taskInput': {'taskObject': 'v1'}}\n")
    client = preview_client(project, pre_lambda=f"{pre}:handler")
    assert client.get("/preview/state").get_json()["task_input"] == {"taskObject": "v1"}

    touch_later(
        pre,
        "def handler(event, context):\n"
        "    line = event['dataObject']\n"
        "    return {'taskInput': {'taskObject': line['source-ref']}}\n",
    )
    state = client.get("/preview/state").get_json()
    assert state["task_input"] == {"taskObject": "s3://bucket/images/a.png"}


def test_a_broken_pre_annotation_file_is_reported_and_watched_until_fixed(project):
    pre = project["template"].parent / "pre_annotation.py"
    pre.write_text("def handler(event, context)\n")
    client = preview_client(project, pre_lambda=f"{pre}:handler")
    state = client.get("/preview/state").get_json()
    assert state["samples"] == []
    assert "cannot load" in state["findings"][0]["message"]

    touch_later(pre, "def handler(event, context):\n    return {'taskInput': {'n': 1}}\n")
    assert client.get("/preview/state").get_json()["task_input"] == {"n": 1}


@pytest.mark.slow
def test_the_preview_command_serves_the_page_on_loopback(project):
    command = [sys.executable, "-m", "emulator.cli", "preview", str(project["template"])]
    command += ["--manifest", str(project["manifest"]), "--labels", str(project["labels"])]
    process = subprocess.Popen(
        [*command, "--port", "0", "--no-open"], stdout=subprocess.PIPE, text=True
    )
    try:
        banner = process.stdout.readline() if process.stdout else ""
        url = banner.split(" on ")[1].strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/preview/")
        with urllib.request.urlopen(url + "state?sample=1", timeout=10) as response:
            state = json.load(response)
        assert state["task_input"]["taskObject"] == "s3://bucket/images/b.png"
    finally:
        process.terminate()
        process.wait(timeout=10)


class SaveDuringFirstRead(PreviewSession):
    """A session whose first read of the files is overtaken by a save: the second save lands
    after the template was read and before the read finished (deterministically, not by
    timing), as an editor saving twice in quick succession does."""

    def __init__(self, source: PreviewSource, second_text: str) -> None:
        self.second_text = second_text
        self.reads = 0
        super().__init__(source)

    def _read_files(self) -> None:
        super()._read_files()
        self.reads += 1
        if self.reads == 2:  # the read triggered by the first save
            touch_later(self.source.template, self.second_text)


def test_a_save_while_the_previous_one_is_being_read_ends_on_the_last_text(project):
    template = project["template"]
    first = AWS_MULTI_LABEL.replace("<crowd-form>", "<crowd-form><p>first save</p>")
    second = AWS_MULTI_LABEL.replace("<crowd-form>", "<crowd-form><p>second save</p>")
    session = SaveDuringFirstRead(
        PreviewSource(template, manifest=project["manifest"], labels=project["labels"]), second
    )
    client = create_preview_app(session).test_client()
    version = client.get("/preview/state").get_json()["version"]

    touch_later(template, first)
    changed = client.get(f"/preview/changes?since={version}&timeout=5").get_json()
    assert changed["version"] > version
    html = client.get("/preview/frame/0").get_data(as_text=True)
    assert "second save" in html and "first save" not in html
    # Nothing is left unseen: the next poll reports no further change.
    settled = client.get(f"/preview/changes?since={changed['version']}&timeout=0.3").get_json()
    assert settled == changed
