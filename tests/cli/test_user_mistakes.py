"""Everyday mistakes on the command line: one line naming the flag or file, a non-zero exit, no
traceback; a reader that closes the pipe early ends the command quietly."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.server import GtemuServer

pytestmark = pytest.mark.slow

MULTI_LABEL_ELEMENT = "crowd-image-classifier-multi-select"


def gtemu(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true", **(env or {})},
        timeout=120,
    )


def gtemu_into_head(command: str) -> subprocess.CompletedProcess[str]:
    """`gtemu <command> | head -1` in bash; the output is far larger than a pipe's buffer, so
    the command surely writes after head has gone."""
    return subprocess.run(
        ["bash", "-c", f"{sys.executable} -m emulator.cli {command} | head -1"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *names: str) -> str:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    for name in names:
        assert name in last, last
    return last


def write_answers(root: Path, objects: int) -> tuple[Path, Path]:
    """A Ground Truth output folder with multi-label answers for `objects` objects."""
    job = root / "Animal-Job"
    for object_id in range(objects):
        folder = job / "annotations" / "worker-response" / "iteration-1" / str(object_id)
        folder.mkdir(parents=True)
        answers = [
            {
                "acceptanceTime": "2024-05-01T10:00:00.000Z",
                "answerContent": {MULTI_LABEL_ELEMENT: {"labels": ["cat", "dog"]}},
                "submissionTime": "2024-05-01T10:00:05.000Z",
                "timeSpentInSeconds": 5.0,
                "workerId": f"private.us-east-1.w{worker}",
            }
            for worker in range(3)
        ]
        (folder / "2024-05-01_10:05:00.json").write_text(json.dumps({"answers": answers}))
    labels = root / "labels.json"
    labels.write_text(json.dumps({"labels": [{"label": "cat"}, {"label": "dog"}]}))
    return job, labels


@pytest.fixture
def listening() -> Iterator[int]:
    """A port something already listens on."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield busy.getsockname()[1]


@pytest.mark.parametrize("port", ["-1", "99999", "http"])
def test_a_port_out_of_range_is_refused_before_binding(port):
    result = gtemu("serve", "--ephemeral", "--port", port)
    line = assert_one_line_error(result, "--port")
    assert result.returncode == 2
    assert line.startswith("gtemu serve: error: argument --port")
    assert result.stderr.startswith("usage: gtemu serve")


@pytest.mark.parametrize("flag", ["--port", "--ui-port"])
def test_a_busy_port_names_the_flag_to_change(listening, flag):
    other = "--ui-port" if flag == "--port" else "--port"
    result = gtemu("serve", "--ephemeral", flag, listening, other, 0)
    line = assert_one_line_error(result, f"port {listening}", "already in use", flag)
    assert result.returncode == 1
    assert f"with {other}" not in line


@pytest.mark.parametrize(
    ("make_path", "problem"),
    [(lambda tmp: tmp / "a-file", "exists and is not a folder"),
     (lambda tmp: tmp / "a-file" / "below", "cannot be created")],
    ids=["a-file", "under-a-file"],
)
def test_a_state_dir_that_cannot_hold_state_names_state_dir(tmp_path, make_path, problem):
    (tmp_path / "a-file").write_text("not a folder")
    state_dir = make_path(tmp_path)
    result = gtemu("serve", "--state-dir", state_dir, "--port", 0, "--ui-port", 0)
    assert_one_line_error(result, f"--state-dir {state_dir}", problem)


def test_a_host_that_is_not_this_machine_names_host():
    result = gtemu("serve", "--ephemeral", "--host", "203.0.113.9", "--port", 0, "--ui-port", 0)
    assert_one_line_error(result, "cannot listen on --host 203.0.113.9")


def test_the_preview_on_a_busy_port_names_port(listening, tmp_path):
    template = tmp_path / "t.liquid.html"
    template.write_text("<crowd-form></crowd-form>")
    result = gtemu("preview", template, "--no-open", "--port", listening)
    assert_one_line_error(result, f"port {listening}", "--port")


def test_a_mistyped_flag_prints_the_sub_commands_usage(tmp_path):
    result = gtemu("lint", tmp_path / "t.html", "--manfest", "m.jsonl")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: gtemu lint")
    assert result.stderr.strip().splitlines()[-1] == (
        "gtemu lint: error: unrecognized arguments: --manfest m.jsonl"
    )


def test_work_with_an_endpoint_that_is_not_a_url():
    result = gtemu("work", "--endpoint", "localhost:8080", "--job", "j")
    assert_one_line_error(result, "--endpoint", "localhost:8080")


# -- consolidate -------------------------------------------------------------------------------


def test_consolidate_into_a_missing_folder_names_o(tmp_path):
    job, labels = write_answers(tmp_path, 2)
    missing = tmp_path / "no-such-folder" / "output.manifest"
    result = gtemu("consolidate", job, "--labels", labels, "--task-type", "multi-label",
                   "-o", missing)
    assert_one_line_error(result, f"-o {missing}", "does not exist")
    assert not missing.parent.exists()


def test_consolidate_into_a_folder_or_from_a_missing_manifest(tmp_path):
    job, labels = write_answers(tmp_path, 2)
    into_folder = gtemu("consolidate", job, "--labels", labels, "--task-type", "multi-label",
                        "-o", tmp_path)
    assert_one_line_error(into_folder, f"-o {tmp_path} is a folder")
    missing = gtemu("consolidate", job, "--labels", labels, "--task-type", "multi-label",
                    "--manifest", tmp_path / "nope.manifest", "-o", "-")
    assert_one_line_error(missing, f"--manifest {tmp_path / 'nope.manifest'}: no such file")


def test_a_task_type_that_matches_no_answer_is_an_error(tmp_path):
    job, labels = write_answers(tmp_path, 2)
    out = tmp_path / "output.manifest"
    result = gtemu("consolidate", job, "--labels", labels, "--task-type", "single-label",
                   "-o", out)
    assert_one_line_error(result, "none of the 2 object(s)", "--task-type single-label")
    assert result.returncode == 1
    assert not out.exists()


def test_consolidate_without_credentials_says_so(tmp_path):
    _, labels = write_answers(tmp_path, 1)
    no_credentials = {
        "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
    }
    env = {k: v for k, v in os.environ.items() if k not in no_credentials}
    result = subprocess.run(
        [sys.executable, "-m", "emulator.cli", "consolidate", "s3://some-bucket/out/job",
         "--labels", str(labels), "--task-type", "multi-label", "-o", "-"],
        capture_output=True, text=True, timeout=120,
        env={**env, "AWS_EC2_METADATA_DISABLED": "true",
             "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
             "AWS_CONFIG_FILE": str(tmp_path / "none")},
    )
    assert_one_line_error(result, "s3://some-bucket/out/job", "no AWS credentials")


def test_consolidate_from_a_missing_bucket_names_it(tmp_path):
    _, labels = write_answers(tmp_path, 1)
    with GtemuServer(port=0, ui_port=0) as server:
        result = gtemu(
            "consolidate", "s3://no-such-bucket/out/job", "--labels", labels,
            "--task-type", "multi-label", "-o", "-",
            env={**server.environment("us-east-1")},
        )
    assert_one_line_error(result, "s3://no-such-bucket/out/job", "NoSuchBucket")


# -- closed pipes ------------------------------------------------------------------------------


def test_consolidate_into_a_closed_pipe_ends_quietly(tmp_path):
    job, labels = write_answers(tmp_path, 1500)
    result = gtemu_into_head(
        f"consolidate {job} --labels {labels} --task-type multi-label -o -"
    )
    assert json.loads(result.stdout)["Animal-Job"] == [0, 1]
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_lint_into_a_closed_pipe_ends_quietly(tmp_path):
    template = tmp_path / "many.liquid.html"
    reads = "".join(f"<p>{{{{ task.input.missing_{i} }}}}</p>\n" for i in range(3000))
    script = '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>'
    template.write_text(f"{script}\n<crowd-form>\n{reads}</crowd-form>\n")
    sample = tmp_path / "input.json"
    sample.write_text("{}")
    result = gtemu_into_head(f"lint {template} --input {sample}")
    assert "task.input.missing_0 is undefined" in result.stdout
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
