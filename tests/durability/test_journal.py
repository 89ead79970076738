"""The journal of `gtemu serve --state-dir`, on an in-process server."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from emulator.commands.demo import clients, create_job, create_team, upload_inputs
from emulator.server import GtemuServer
from emulator.store import DATABASE_NAME, StateDirError, entry_checksum

from .helpers import worker_headers

ANSWER = {"crowd-image-classifier-multi-select": {"labels": ["circle"]}}


def _start(state_dir: Path, **options: object) -> GtemuServer:
    return GtemuServer(port=0, ui_port=0, state_dir=state_dir, **options).start()


def _job(server: GtemuServer, name: str, **config: object) -> None:
    sagemaker, s3 = clients(server.endpoint_url)
    uris = upload_inputs(s3, 1)
    create_job(sagemaker, uris, create_team(sagemaker, f"team-{name}"), 1, job_name=name,
               **config)


def _next(server: GtemuServer, job: str, worker: str) -> requests.Response:
    return requests.post(f"{server.ui_url}/api/v1/jobs/{job}/tasks/next", json={"worker": worker},
                         headers=worker_headers(server))


def _submit(server: GtemuServer, task_id: str, worker: str) -> requests.Response:
    return requests.post(f"{server.ui_url}/api/v1/tasks/{task_id}/submit",
                         json={"worker": worker, "answer": ANSWER}, headers=worker_headers(server))


def _task(server: GtemuServer, job: str, worker: str) -> dict:
    for _ in range(100):  # the job reads its inputs on the pump's next step
        response = _next(server, job, worker)
        if response.status_code == 200:
            return response.json()
        assert response.status_code == 204, response.text
        server._stopping.wait(0.05)
    raise AssertionError(f"no task of {job} for {worker}")


def test_an_acknowledged_answer_is_on_disk_before_the_acknowledgement(tmp_path: Path) -> None:
    server = _start(tmp_path)
    try:
        _job(server, "on-disk")
        task = _task(server, "on-disk", "ann")
        response = _submit(server, task["taskId"], "ann")
        assert response.status_code == 200
        # Another connection, while the server runs: the answer is committed.
        with sqlite3.connect(tmp_path / DATABASE_NAME) as reader:
            rows = reader.execute("SELECT data FROM journal WHERE kind = 'submit'").fetchall()
        stored = [json.loads(data) for (data,) in rows]
        assert [(s["task"], s["answer"]) for s in stored] == [(task["taskId"], ANSWER)]
    finally:
        server.stop()


def test_a_restart_brings_back_jobs_tasks_answers_and_s3(tmp_path: Path) -> None:
    server = _start(tmp_path)
    try:
        _job(server, "restarted", NumberOfHumanWorkersPerDataObject=1)
        task = _task(server, "restarted", "ann")
        assert _submit(server, task["taskId"], "ann").status_code == 200
    finally:
        server.stop()
    server = _start(tmp_path)
    try:
        sagemaker, s3 = clients(server.endpoint_url)
        described = sagemaker.describe_labeling_job(LabelingJobName="restarted")
        assert described["LabelingJobStatus"] == "Completed"
        assert described["LabelCounters"]["TotalLabeled"] == 1
        output = described["LabelingJobOutput"]["OutputDatasetS3Uri"]
        bucket, key = output.removeprefix("s3://").split("/", 1)
        line = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert line["shapes"] == [0]  # "circle", the worker's answer
        names = [t["WorkteamName"] for t in sagemaker.list_workteams()["Workteams"]]
        assert names == ["team-restarted"]
        # The same answer again is the same answer; another one is refused.
        assert _submit(server, task["taskId"], "ann").status_code == 200
    finally:
        server.stop()


def test_a_job_a_describe_showed_initializing_starts_on_the_same_step_when_replayed(
        tmp_path: Path) -> None:
    server = _start(tmp_path, snapshot_every=None)  # no snapshot: the restart replays it all
    try:
        _job(server, "seen", NumberOfHumanWorkersPerDataObject=1)
        sagemaker, _ = clients(server.endpoint_url)
        shown = sagemaker.describe_labeling_job(LabelingJobName="seen")
        assert shown["LabelingJobStatus"] == "Initializing"
        task = _task(server, "seen", "ann")
        started = sagemaker.describe_labeling_job(LabelingJobName="seen")
        # Shown once, it started on the next engine step, not after the 2 s settle time; a
        # replay that forgot the Describe would leave it `Initializing` at that step.
        assert started["LastModifiedTime"] - started["CreationTime"] < timedelta(seconds=2)
    finally:
        server.stop()
    server = _start(tmp_path, snapshot_every=None)
    try:
        assert server.replayed_changes > 0
        again = _task(server, "seen", "ann")
        assert again["taskId"] == task["taskId"]
    finally:
        server.stop()


def test_a_task_held_when_the_server_went_down_returns_after_its_time_limit(
    tmp_path: Path,
) -> None:
    # No snapshot: the journal holds every change, with the moments it happened.
    server = _start(tmp_path, snapshot_every=None)
    try:
        _job(server, "held", TaskTimeLimitInSeconds=300,
             TaskAvailabilityLifetimeInSeconds=864000)
        held = _task(server, "held", "ann")
        assert _next(server, "held", "bob").status_code == 204  # one worker per object
    finally:
        server.stop()
    # Everything happened two hours ago: the server was down for longer than the time limit.
    # (Each entry's checksum covers its moment, so it is computed again for the new one.)
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        rows = db.execute("SELECT seq, at, kind, data, body, body_ref, result FROM journal")
        for seq, at, kind, data, body, body_ref, result in rows.fetchall():
            earlier = (datetime.fromisoformat(at) - timedelta(hours=2)).isoformat()
            checksum = entry_checksum(seq, earlier, kind, data, body, body_ref, result)
            db.execute("UPDATE journal SET at = ?, checksum = ? WHERE seq = ?",
                       (earlier, checksum, seq))
    server = _start(tmp_path, snapshot_every=None)
    try:
        again = _task(server, "held", "bob")
        assert again["datasetObjectId"] == held["datasetObjectId"]
        late = _submit(server, held["taskId"], "ann")
        assert late.status_code == 409 and "time limit" in late.text
    finally:
        server.stop()


def test_one_state_directory_serves_one_gtemu_at_a_time(tmp_path: Path) -> None:
    server = _start(tmp_path)
    try:
        with pytest.raises(StateDirError, match="in use by another gtemu serve"):
            GtemuServer(port=0, ui_port=None, state_dir=tmp_path).start()
    finally:
        server.stop()


def test_a_journal_that_cannot_be_written_acknowledges_nothing(tmp_path: Path) -> None:
    server = _start(tmp_path)
    try:
        _job(server, "locked", NumberOfHumanWorkersPerDataObject=1)
        task = _task(server, "locked", "ann")
        # Another process holds the database (as a full disk would refuse the write).
        blocker = sqlite3.connect(tmp_path / DATABASE_NAME, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            refused = _submit(server, task["taskId"], "ann")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert refused.status_code == 500
        # Writable again, but memory is ahead of the journal: nothing more is accepted.
        assert _submit(server, task["taskId"], "ann").status_code == 500
        upload = requests.put(f"{server.endpoint_url}/gtemu-demo/new.txt", data=b"x")
        assert upload.status_code == 500
    finally:
        server.stop()
    server = _start(tmp_path)
    try:
        # The answer was never acknowledged and is not there: the task is still ann's.
        again = _task(server, "locked", "ann")
        assert again["taskId"] == task["taskId"]
        assert _submit(server, task["taskId"], "ann").status_code == 200
    finally:
        server.stop()
