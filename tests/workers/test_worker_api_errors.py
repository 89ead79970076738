"""The workers' JSON API refuses malformed requests with a clear 4xx and changes nothing."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from emulator.commands.demo import create_job, create_team, upload_inputs
from worker_ui.app import create_app

MULTI = "crowd-image-classifier-multi-select"


@pytest.fixture(scope="module")
def job():
    """One job shared by every case: none of them may change it."""
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        uris = upload_inputs(s3, 1)
        create_job(sagemaker, uris, create_team(sagemaker), 1, job_name="api-job")
        sagemaker.describe_labeling_job(LabelingJobName="api-job")  # seen `Initializing`
        yield sagemaker


@pytest.fixture(scope="module")
def client():
    return _api_client(create_app({"TESTING": True}))


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "fragment"),
    [
        ("get", "/api/v1/jobs", {}, 400, '"worker"'),
        ("post", "/api/v1/jobs/api-job/tasks/next", {"data": "not json"}, 400, "JSON object"),
        ("post", "/api/v1/jobs/api-job/tasks/next", {"json": [1, 2]}, 400, "JSON object"),
        ("post", "/api/v1/jobs/api-job/tasks/next", {"json": {"worker": 7}}, 400, '"worker"'),
        ("post", "/api/v1/jobs/api-job/tasks/next", {"json": {}}, 400, '"worker"'),
        ("post", "/api/v1/jobs/no-such-job/tasks/next", {"json": {"worker": "a"}}, 404, "no-such"),
        ("post", "/api/v1/jobs/api-job/tasks/next",
         {"json": {"worker": "a", "account": "12"}}, 400, "12-digit"),
        ("post", "/api/v1/jobs/api-job/tasks/next",
         {"json": {"worker": "a", "region": "moon"}}, 400, "region"),
        ("get", "/api/v1/jobs?worker=a&region=xx-nowhere-1", {}, 400, "xx-nowhere-1"),
        ("post", "/api/v1/jobs/api-job/tasks/next",
         {"data": "x" * (3 * 1024 * 1024), "content_type": "application/json"}, 413, ""),
        ("post", "/api/v1/tasks/x/submit", {"json": {"worker": "a", "answer": "circle"}}, 400,
         "JSON object"),
        ("post", "/api/v1/tasks/x/submit",
         {"json": {"worker": "a", "answer": {}, "activeSeconds": -1}}, 400, "activeSeconds"),
        ("post", "/api/v1/tasks/no-such-task/submit",
         {"json": {"worker": "a", "answer": {MULTI: {"labels": ["circle"]}}}}, 404, "No task"),
        ("post", "/api/v1/tasks/no-such-task/decline", {"json": {"worker": "a"}}, 404, "No task"),
        ("get", "/api/v1/jobs/api-job/tasks/next", {}, 404, "No endpoint GET"),
        ("post", "/api/v1/nowhere", {"json": {}}, 404, "No endpoint POST"),
    ],
)
def test_malformed_requests_get_a_clear_4xx(job, client, method, path, kwargs, status, fragment):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    body = response.get_json()
    assert body["message"]
    assert fragment in body["message"]
    described = job.describe_labeling_job(LabelingJobName="api-job")
    assert described["LabelCounters"]["TotalLabeled"] == 0
    assert described["LabelingJobStatus"] == "InProgress"


def _api_client(app):
    """A test client that sends the app's worker token, as `gtemu work` does."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['WORKER_TOKEN']}"
    return client
