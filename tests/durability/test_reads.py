"""Reads are never journaled: polls, lists and S3 GETs leave the journal as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import requests

from emulator.commands.demo import clients, create_job, create_team, upload_inputs
from emulator.server import GtemuServer
from emulator.store import DATABASE_NAME

from .helpers import worker_headers


def _entries(state_dir: Path) -> int:
    with sqlite3.connect(state_dir / DATABASE_NAME) as db:
        return db.execute("SELECT count(*) FROM journal").fetchone()[0]


def test_polls_lists_and_s3_reads_add_nothing_to_the_journal(tmp_path: Path) -> None:
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path) as server:
        sagemaker, s3 = clients(server.endpoint_url)
        uris = upload_inputs(s3, 2)
        create_job(sagemaker, uris, create_team(sagemaker, "team-reads"), 1, job_name="reads")
        for _ in range(200):  # the job reads its inputs on the pump's next step
            if sagemaker.describe_labeling_job(LabelingJobName="reads")[
                    "LabelingJobStatus"] == "InProgress":
                break
            server._stopping.wait(0.05)
        bucket, key = next(iter(uris.values())).removeprefix("s3://").split("/", 1)
        before = _entries(tmp_path)
        for _ in range(50):
            sagemaker.describe_labeling_job(LabelingJobName="reads")
        sagemaker.list_labeling_jobs()
        sagemaker.list_workteams()
        sagemaker.describe_workteam(WorkteamName="team-reads")
        s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.head_object(Bucket=bucket, Key=key)
        s3.list_objects_v2(Bucket=bucket)
        listed = requests.get(f"{server.ui_url}/api/v1/jobs?worker=ann",
                              headers=worker_headers(server))
        assert listed.status_code == 200
        assert _entries(tmp_path) == before
