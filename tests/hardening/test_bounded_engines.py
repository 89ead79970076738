"""An engine exists only where there are labeling resources: look-ups of other accounts cost
nothing and leave nothing behind for the background pump to walk."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from emulator import moto_adapter
from emulator.commands.demo import create_job, create_team, upload_inputs
from emulator.state import all_states
from worker_ui.app import create_app


@pytest.fixture
def client():
    with mock_aws():
        app = create_app({"TESTING": True})
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['WORKER_TOKEN']}"
        yield client


def test_unknown_accounts_get_empty_answers_and_no_engine(client) -> None:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    create_job(sagemaker, upload_inputs(s3, 1), create_team(sagemaker, "real-team"), 1,
               job_name="real-job")
    before = [(s.account_id, s.region) for s in all_states()]
    assert before == [("123456789012", "us-east-1")]
    for number in range(50):
        account = f"{number:012d}"
        listed = client.get(f"/api/v1/jobs?worker=ann&account={account}")
        assert listed.status_code == 200 and listed.get_json() == {"jobs": []}
        taken = client.post("/api/v1/jobs/real-job/tasks/next",
                            json={"worker": "ann", "account": account})
        assert taken.status_code == 404
        submitted = client.post("/api/v1/tasks/x/submit",
                                json={"worker": "ann", "account": account, "answer": {}})
        assert submitted.status_code == 404
    assert [(s.account_id, s.region) for s in all_states()] == before
    assert moto_adapter.sagemaker_accounts() == ["123456789012"]
    # The real account answers as before.
    [job] = client.get("/api/v1/jobs?worker=ann").get_json()["jobs"]
    assert job["name"] == "real-job"
