"""The README's "Against a server" walk-through, run as a newcomer would copy it: the server
block in one process, the other blocks in order in one bash, from the repository's root. The
only change is the port numbers (free ports instead of 5000 and 8080); the state goes to a
temporary XDG_DATA_HOME, which is where `gtemu serve` keeps it by default."""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- readme-test: (\w+) -->\n```bash\n(.*?)```", re.DOTALL)


def readme_blocks() -> list[tuple[str, str]]:
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def start_server(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    banner: list[str] = []
    deadline = time.monotonic() + 60
    while not banner or not banner[-1].startswith("Press Ctrl-C"):
        assert time.monotonic() < deadline and process.poll() is None, banner
        try:
            banner.append(lines.get(timeout=0.5))
        except queue.Empty:
            continue
    return process, banner


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_the_readme_walk_through_runs_as_written(tmp_path):
    blocks = readme_blocks()
    assert [kind for kind, _ in blocks] == ["server", "client", "client", "reset"]
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("AWS_")
    } | {"XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1",
         "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(tmp_path / "none"),
         "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    state_dir = tmp_path / "data" / "gtemu"

    [server_command] = [shlex.split(line, comments=True) for line in
                        blocks[0][1].strip().splitlines()]
    # Ports 0: the server takes free ones (no race with other tests) and its banner says which.
    server, banner = start_server([*server_command, "--port", "0", "--ui-port", "0"], env)
    try:
        text = "\n".join(banner)
        assert f"state kept in {state_dir}" in text
        aws_url = re.search(r"AWS endpoint .* on (http://127\.0\.0\.1:\d+)", text)[1]
        ui_url = re.search(r"worker UI on (http://127\.0\.0\.1:\d+)", text)[1]

        def with_ports(block: str) -> str:
            return block.replace("http://127.0.0.1:5000", aws_url).replace(
                "http://127.0.0.1:8080", ui_url
            )

        script = "set -euo pipefail\n" + "".join(with_ports(block) for _, block in blocks[1:3])
        run = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
    finally:
        stop(server)

    assert "Job my-job: Completed" in run.stdout
    lines = [json.loads(line) for line in run.stdout.splitlines()
             if line.startswith('{"source-ref"')]
    assert [line["source-ref"] for line in lines] == [
        f"s3://my-bucket/images/shapes-0{n}.png" for n in range(6)
    ]
    for line in lines:
        metadata = line["my-job-metadata"]
        assert metadata["type"] == "groundtruth/image-classification-multilabel"
        assert set(metadata["class-map"]) == {str(index) for index in line["my-job"]}
    assert (state_dir / "gtemu.sqlite3").is_file()

    reset = subprocess.run(["bash", "-c", "set -euo pipefail\n" + blocks[3][1]], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=120)
    assert reset.returncode == 0, reset.stderr
    assert f"cleared the state in {state_dir}" in reset.stdout
    assert not state_dir.exists()
