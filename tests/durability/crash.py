"""A `gtemu serve` subprocess worked by simulated workers and killed with SIGKILL on the way.

Used by `test_crash.py` and by `benchmarks/durability.py`. The workers take turns (the first
answers every object, then the second, ...), each answer a function of the worker and the
object only, so an uninterrupted run and a run with kills must end with the same output
manifest. A kill comes at a seeded random answer, in one of three places: right after an
acknowledgement, while the worker holds a task it has not answered, or while its answer is on
the wire (the acknowledgement may or may not arrive).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from emulator.commands.demo import (
    BUCKET,
    LABEL_ATTRIBUTE,
    clients,
    create_job,
    create_team,
    read_output,
    upload_inputs,
    wait_for_end,
)

ANSWER_ELEMENT = "crowd-image-classifier-multi-select"
KILL_PLACES = ("after-ack", "holding-task", "during-submit")
START_TIMEOUT = 60.0
ROUNDS_TIMEOUT = 600.0


class ServeProcess:
    """`gtemu serve` on free ports of 127.0.0.1, as a child process."""

    def __init__(self, state_dir: Path | None) -> None:
        self.state_dir = state_dir
        self.process: subprocess.Popen[str] | None = None
        self.endpoint = ""
        self.ui_url = ""
        self.token = ""
        self.banner = ""
        self.start_seconds = 0.0
        self.replay_seconds = 0.0
        self.replayed = 0

    def start(self) -> ServeProcess:
        where = ["--ephemeral"] if self.state_dir is None else ["--state-dir", str(self.state_dir)]
        command = [sys.executable, "-m", "emulator.cli", "serve", "--port", "0", "--ui-port", "0",
                   *where]
        started = time.perf_counter()
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115  (read on failure, then closed)
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines = []
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                self.log.seek(0)
                raise RuntimeError("gtemu serve ended: " + self.log.read()[-3000:])
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        self.banner = "".join(lines)
        self.start_seconds = time.perf_counter() - started
        self.endpoint = re.search(r"AWS endpoint .* on (\S+)", self.banner).group(1)
        self.ui_url = re.search(r"worker UI on (\S+)", self.banner).group(1)
        self.token = re.search(r"worker token .*: (\S+)$", self.banner, re.MULTILINE).group(1)
        replay = re.search(r"\((\d+) changes replayed in ([\d.]+) s\)", self.banner)
        if replay:
            self.replayed, self.replay_seconds = int(replay.group(1)), float(replay.group(2))
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        process = self.process
        assert process is not None and process.stdout is not None
        for _ in process.stdout:
            pass

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.log.close()

    def stop(self, timeout: float = 15) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None:
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.log.close()


def answer_for(worker: str, task: dict[str, Any], seed: int) -> dict[str, Any]:
    """The worker's answer to the object: the same whatever happened before."""
    rng = random.Random(f"{seed}/{worker}/{task['datasetObjectId']}")
    labels = rng.sample(task["categories"], rng.randint(1, 3))
    return {ANSWER_ELEMENT: {"labels": sorted(labels)}}


def other_answer(answer: dict[str, Any], categories: list[str]) -> dict[str, Any]:
    chosen = set(answer[ANSWER_ELEMENT]["labels"])
    rest = [label for label in categories if label not in chosen] or categories[:1]
    return {ANSWER_ELEMENT: {"labels": rest[:1] if rest != list(chosen) else categories[:2]}}


@dataclass
class Acknowledged:
    task_id: str
    worker: str
    worker_id: str
    object_id: str
    answer: dict[str, Any]
    categories: list[str]


@dataclass
class CrashRun:
    """The outcome of one worked job."""

    acknowledged: list[Acknowledged] = field(default_factory=list)
    kills: list[str] = field(default_factory=list)
    lost_after_restart: list[str] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)
    replayed_changes: list[int] = field(default_factory=list)
    output: list[dict[str, Any]] = field(default_factory=list)
    stored_answers: list[tuple[str, str, str]] = field(default_factory=list)
    status: str = ""


class CrashHarness:
    """Works one job to its end with `workers` workers, killing the server `kills` times."""

    def __init__(self, state_dir: Path | None, *, objects: int, workers: int, kills: int,
                 seed: int, job_name: str = "crash-job") -> None:
        self.server = ServeProcess(state_dir)
        self.objects, self.workers, self.seed, self.job_name = objects, workers, seed, job_name
        rng = random.Random(seed)
        total = objects * workers
        points = sorted(rng.sample(range(1, total), kills)) if kills else []
        self.kill_plan = {point: rng.choice(KILL_PLACES) for point in points}
        self.run = CrashRun()
        self.session = self._new_session()

    def execute(self) -> CrashRun:
        self.server.start()
        self.session = self._new_session()
        try:
            sagemaker, s3 = clients(self.server.endpoint)
            uris = upload_inputs(s3, self.objects)
            team = create_team(sagemaker, f"team-{self.job_name}")
            create_job(sagemaker, uris, team, self.workers, job_name=self.job_name,
                       TaskTimeLimitInSeconds=600)
            # Round after round (a job of more than one wave needs several), until it ends.
            deadline = time.monotonic() + ROUNDS_TIMEOUT
            while not any([self._work(f"worker-{index + 1:02d}") for index in range(self.workers)]):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.job_name} did not end in {ROUNDS_TIMEOUT} s")
                time.sleep(0.05)
            sagemaker, s3 = clients(self.server.endpoint)
            described = wait_for_end(sagemaker, self.job_name, timeout=60)
            self.run.status = described["LabelingJobStatus"]
            if self.run.status == "Completed":
                uri = described["LabelingJobOutput"]["OutputDatasetS3Uri"]
                self.run.output = read_output(s3, uri)
                self.run.stored_answers = self._stored_answers(s3)
        finally:
            self.server.stop()
        return self.run

    # -- workers -------------------------------------------------------------------------------

    def _new_session(self) -> requests.Session:
        """A session that sends the server's worker token (read from its banner)."""
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.server.token}"
        return session

    def _api(self, path: str) -> str:
        return f"{self.server.ui_url}/api/v1{path}"

    def _work(self, worker: str) -> bool:
        """Answer every task the worker gets now; True once the job has ended."""
        while True:
            response = self.session.post(self._api(f"/jobs/{self.job_name}/tasks/next"),
                                         json={"worker": worker})
            if response.status_code in (204, 410):
                return response.status_code == 410
            response.raise_for_status()
            task = response.json()
            answer = answer_for(worker, task, self.seed)
            place = self.kill_plan.pop(len(self.run.acknowledged) + 1, None)
            if place == "holding-task":
                self._crash_and_restart(place)
                continue  # ask again: the same task comes back
            if place == "during-submit":
                self._submit_while_killed(worker, task, answer)
                continue
            response = self.session.post(self._api(f"/tasks/{task['taskId']}/submit"),
                                         json={"worker": worker, "answer": answer})
            response.raise_for_status()
            self._acknowledged(worker, task, answer)
            if place == "after-ack":
                self._crash_and_restart(place)

    def _acknowledged(self, worker: str, task: dict[str, Any], answer: dict[str, Any]) -> None:
        self.run.acknowledged.append(Acknowledged(
            task["taskId"], worker, task["workerId"], task["datasetObjectId"], answer,
            task["categories"]))

    def _submit_while_killed(self, worker: str, task: dict[str, Any],
                             answer: dict[str, Any]) -> None:
        delay = random.Random(f"{self.seed}/{task['taskId']}").uniform(0.0, 0.004)
        killer = threading.Timer(delay, self.server.kill)
        killer.start()
        try:
            response = requests.post(self._api(f"/tasks/{task['taskId']}/submit"),
                                     json={"worker": worker, "answer": answer}, timeout=10,
                                     headers=self.session.headers)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # Killed before the whole response arrived (or before any of it): no acknowledgement.
            response = None
        killer.join()
        if response is not None and response.status_code == 200:
            self._acknowledged(worker, task, answer)
        self._crash_and_restart("during-submit")

    def _crash_and_restart(self, place: str) -> None:
        self.server.kill()
        self.run.kills.append(place)
        self.session = self._new_session()
        started = time.perf_counter()
        self.server.start()
        self.run.restart_seconds.append(time.perf_counter() - started)
        self.run.replayed_changes.append(self.server.replayed)
        self._check_acknowledged()

    def _check_acknowledged(self) -> None:
        """Every acknowledged answer is still there: a different answer for its task is refused
        as 'already submitted with another answer'."""
        for ack in self.run.acknowledged:
            response = self.session.post(
                self._api(f"/tasks/{ack.task_id}/submit"),
                json={"worker": ack.worker, "answer": other_answer(ack.answer, ack.categories)},
            )
            if response.status_code != 409 or "already submitted" not in response.text:
                self.run.lost_after_restart.append(
                    f"{ack.worker} object {ack.object_id} task {ack.task_id}: "
                    f"{response.status_code} {response.text[:200]}")

    # -- outputs -------------------------------------------------------------------------------

    def _stored_answers(self, s3: Any) -> list[tuple[str, str, str]]:
        """(workerId, datasetObjectId, answer JSON) of every answer in the worker-response files."""
        prefix = f"output/{self.job_name}/annotations/worker-response/"
        stored = []
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix):
            for item in page.get("Contents", []):
                object_id = item["Key"][len(prefix):].split("/")[1]
                body = json.loads(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
                stored += [(a["workerId"], object_id, json.dumps(a["answerContent"],
                                                                 sort_keys=True))
                           for a in body["answers"]]
        return stored


def acknowledged_answers(run: CrashRun) -> list[tuple[str, str, str]]:
    return [(a.worker_id, a.object_id, json.dumps(a.answer, sort_keys=True))
            for a in run.acknowledged]


def labels_and_confidences(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The output manifest without what differs between runs (dates)."""
    kept = []
    for line in output:
        metadata = dict(line[f"{LABEL_ATTRIBUTE}-metadata"])
        metadata.pop("creation-date", None)
        kept.append({"source-ref": line["source-ref"], LABEL_ATTRIBUTE: line[LABEL_ATTRIBUTE],
                     "metadata": metadata})
    return kept
