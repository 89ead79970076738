"""`gtemu serve` + `gtemu work` as subprocesses, and `gtemu demo`, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import gtemu_fixtures
import pytest

from emulator.commands.demo import clients, create_job, create_team, upload_inputs

pytestmark = pytest.mark.slow

GTEMU = [sys.executable, "-m", "emulator.cli"]
STATE_DIR: dict[str, Path] = {}  # the served gtemu's state directory
ENV = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gtemu serve exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up within {timeout} s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    port, ui_port = free_port(), free_port()
    # A fresh folder for each module that uses this fixture: its server starts empty.
    STATE_DIR["dir"] = tmp_path_factory.mktemp("state")
    process = subprocess.Popen(
        [*GTEMU, "serve", "--port", str(port), "--ui-port", str(ui_port),
         "--state-dir", str(STATE_DIR["dir"])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    try:
        endpoint, ui = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}"
        wait_until_up(endpoint + "/moto-api/", process)
        wait_until_up(ui + "/api/v1/jobs?worker=probe", process)
        yield endpoint, ui
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_and_work_label_a_job_read_back_over_s3(served):
    endpoint, ui = served
    sagemaker, s3 = clients(endpoint)
    uris = upload_inputs(s3, 32)
    create_job(sagemaker, uris, create_team(sagemaker), 3, job_name="e2e-shapes")

    work = subprocess.run(
        [*GTEMU, "work", "--endpoint", ui, "--job", "e2e-shapes", "--workers", "3",
         "--seed", "5", "--accuracy", "0.9", "--timeout", "60",
         "--state-dir", str(STATE_DIR["dir"])],  # gtemu work reads the worker token there
        capture_output=True, text=True, env=ENV, timeout=120,
    )
    assert work.returncode == 0, work.stdout + work.stderr
    assert "Job e2e-shapes: Completed" in work.stdout
    assert "32 of 32 objects labeled" in work.stdout
    assert "32/32 objects" in work.stderr  # the progress bar's last state

    described = sagemaker.describe_labeling_job(LabelingJobName="e2e-shapes")
    assert described["LabelingJobStatus"] == "Completed"
    uri = described["LabelingJobOutput"]["OutputDatasetS3Uri"]
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    lines = [json.loads(line) for line in body.splitlines()]
    truth = gtemu_fixtures.truth("multilabel")
    assert [line["source-ref"].rsplit("/", 1)[-1] for line in lines] == list(truth)
    right = 0
    for line in lines:
        metadata = line["shapes-metadata"]
        chosen = {
            metadata["class-map"][str(index)]
            for index in line["shapes"]
            if metadata["confidence-map"][str(index)] >= 0.5
        }
        right += chosen == set(truth[line["source-ref"].rsplit("/", 1)[-1]])
    # Three 90%-accurate workers: the confident labels are exactly right for most pictures.
    assert right >= 24


def test_work_reports_an_unknown_job(served):
    _, ui = served
    work = subprocess.run(
        [*GTEMU, "work", "--endpoint", ui, "--job", "nope", "--workers", "2",
         "--state-dir", str(STATE_DIR["dir"])],
        capture_output=True, text=True, env=ENV, timeout=60,
    )
    assert work.returncode == 1
    assert "no labeling job 'nope'" in work.stderr


def test_work_reports_an_unreachable_endpoint():
    work = subprocess.run(
        [*GTEMU, "work", "--endpoint", f"http://127.0.0.1:{free_port()}", "--job", "j"],
        capture_output=True, text=True, env=ENV, timeout=60,
    )
    assert work.returncode == 1
    assert "cannot reach" in work.stderr


def test_demo_runs_the_whole_story():
    started = time.monotonic()
    demo = subprocess.run(
        [*GTEMU, "demo", "--objects", "12", "--workers", "3", "--seed", "1"],
        capture_output=True, text=True, env=ENV, timeout=120,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = demo.stdout
    assert "Job gtemu-demo-shapes: Completed" in out
    assert "12 labeled, 0 failed, 36 answers" in out
    assert "Against the truth (labels with confidence >= 0.5):" in out
    assert "s3://gtemu-demo/output/gtemu-demo-shapes/manifests/output/output.manifest" in out
    assert "aws --endpoint-url http://127.0.0.1:" in out
    rows = [line for line in out.splitlines() if line.startswith("shapes-")]
    assert len(rows) == 12
    assert time.monotonic() - started < 60


def test_demo_keeps_serving_so_the_aws_cli_can_fetch_the_output(tmp_path: Path):
    stderr = open(tmp_path / "stderr.txt", "w+")  # noqa: SIM115 (closed in finally)
    # -X faulthandler: if Ctrl-C does not end it, SIGABRT prints where every thread is.
    demo = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", *GTEMU[1:], "demo", "--objects", "4",
         "--workers", "2", "--keep-serving"],
        stdout=subprocess.PIPE, stderr=stderr, text=True, env=ENV,
    )
    try:
        printed = []
        for line in demo.stdout:
            printed.append(line)
            if "press Ctrl-C" in line:
                break
        command = next(line.split() for line in printed if line.strip().startswith("aws "))
        fetched = subprocess.run(
            command, capture_output=True, text=True, timeout=60,
            env={**ENV, "AWS_DEFAULT_REGION": "us-east-1"},
        )
        assert fetched.returncode == 0, fetched.stderr
        lines = [json.loads(line) for line in fetched.stdout.splitlines()]
        assert len(lines) == 4
        assert all(re.fullmatch(r"s3://gtemu-demo/images/shapes-0\d\.png", line["source-ref"])
                   for line in lines)
        assert all("shapes-metadata" in line for line in lines)
        demo.send_signal(signal.SIGINT)
        try:
            assert demo.wait(timeout=30) == 0
        except subprocess.TimeoutExpired:
            demo.send_signal(signal.SIGABRT)
            demo.wait(timeout=30)
            stderr.seek(0)
            raise AssertionError("gtemu demo did not end on Ctrl-C; its threads:\n"
                                 + stderr.read()[-6000:]) from None
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        stderr.close()
