"""Small helpers the durability tests share."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from emulator.commands.demo import clients, create_job, create_team, upload_inputs
from emulator.server import GtemuServer
from emulator.state import all_states

ANSWER = {"crowd-image-classifier-multi-select": {"labels": ["circle"]}}


def worker_headers(server: GtemuServer) -> dict[str, str]:
    """The header that the workers' JSON API (`/api/v1`) requires: the server's worker token."""
    return {"Authorization": f"Bearer {server.worker_token}"}


def start_job(server: GtemuServer, name: str, objects: int, workers: int, **config: Any) -> None:
    sagemaker, s3 = clients(server.endpoint_url)
    uris = upload_inputs(s3, objects)
    create_job(sagemaker, uris, create_team(sagemaker, f"team-{name}"), workers, job_name=name,
               **config)


def answer_some(server: GtemuServer, job: str, worker: str, count: int) -> int:
    """Let `worker` answer up to `count` tasks of `job`; returns how many they answered."""
    api = f"{server.ui_url}/api/v1"
    answered = 0
    for _ in range(400):
        if answered == count:
            break
        taken = requests.post(f"{api}/jobs/{job}/tasks/next", json={"worker": worker},
                              headers=worker_headers(server))
        if taken.status_code in (204, 410):
            if taken.status_code == 410 or answered:
                break
            server._stopping.wait(0.05)  # the job reads its inputs on the pump's next step
            continue
        taken.raise_for_status()
        task_id = taken.json()["taskId"]
        submitted = requests.post(f"{api}/tasks/{task_id}/submit",
                                  json={"worker": worker, "answer": ANSWER},
                                  headers=worker_headers(server))
        submitted.raise_for_status()
        answered += 1
    return answered


def state_digest(server: GtemuServer) -> dict[str, Any]:
    """What a user (and the engine) can see of the whole state, timestamps included."""
    sagemaker, s3 = clients(server.endpoint_url)
    objects = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        for listed in s3.list_objects_v2(Bucket=name).get("Contents", []):
            body = s3.get_object(Bucket=name, Key=listed["Key"])["Body"].read()
            objects[f"{name}/{listed['Key']}"] = (listed["ETag"], listed["Size"],
                                                  hashlib.sha256(body).hexdigest())
    jobs = {summary["LabelingJobName"]: _without_metadata(
        sagemaker.describe_labeling_job(LabelingJobName=summary["LabelingJobName"]))
        for summary in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]}
    teams = [_without_metadata(team) for team in sagemaker.list_workteams()["Workteams"]]
    tasks = {}
    with server.runtime.activated():  # the server's own engines, as its threads see them
        states = list(all_states())
    for state in states:
        for job in state.jobs.jobs():
            run = job.run
            if run is None:
                continue
            tasks[job.name] = sorted(
                (t.task_id, t.dataset_object_id, t.worker_id, t.state, repr(t.answer),
                 t.deadline.isoformat()) for t in run.tasks.values())
    return {"objects": objects, "jobs": jobs, "teams": teams, "tasks": tasks}


def _without_metadata(described: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in described.items() if k != "ResponseMetadata"}


def serve(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`gtemu serve ...` as a user runs it, expected to stop by itself (a refusal)."""
    return subprocess.run([sys.executable, "-m", "emulator.cli", "serve", "--port", "0",
                           "--ui-port", "0", *args], capture_output=True, text=True,
                          timeout=timeout)


def journal_path(state_dir: Path) -> Path:
    from emulator.store import DATABASE_NAME

    return state_dir / DATABASE_NAME
