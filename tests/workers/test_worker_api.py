"""The workers' JSON API against real labeling jobs under mock_aws, with Flask's test client."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from emulator.commands.demo import create_job, create_team, upload_inputs
from emulator.state import state_for
from worker_ui.app import create_app

MULTI = "crowd-image-classifier-multi-select"


@pytest.fixture
def aws():
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        yield sagemaker, s3


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return _api_client(app)


def make_job(aws, name="api-job", objects=4, workers=2, kind="multilabel", **config):
    sagemaker, s3 = aws
    uris = upload_inputs(s3, objects, kind)
    team = create_team(sagemaker, f"team-{name}")
    create_job(sagemaker, uris, team, workers, job_name=name, kind=kind, **config)
    # The first Describe shows `Initializing`; the inputs are read on the next engine step.
    assert sagemaker.describe_labeling_job(LabelingJobName=name)["LabelingJobStatus"] == (
        "Initializing")
    return name


def take(client, job, worker):
    return client.post(f"/api/v1/jobs/{job}/tasks/next", json={"worker": worker})


def submit(client, task_id, worker, answer):
    return client.post(f"/api/v1/tasks/{task_id}/submit", json={"worker": worker, "answer": answer})


def describe(aws, job):
    return aws[0].describe_labeling_job(LabelingJobName=job)


def test_jobs_lists_the_job_with_its_counts(aws, client):
    job = make_job(aws)
    response = client.get("/api/v1/jobs?worker=ann")
    assert response.status_code == 200
    [listing] = response.get_json()["jobs"]
    assert listing["name"] == job
    assert listing["workersPerObject"] == 2
    assert listing["total"] == 4
    assert listing["labeled"] == 0
    assert listing["status"] in ("Initializing", "InProgress")
    other_region = client.get("/api/v1/jobs?worker=ann&region=eu-west-1")
    assert other_region.get_json() == {"jobs": []}


def test_next_task_has_the_input_categories_and_answer_element(aws, client):
    job = make_job(aws)
    response = take(client, job, "ann")
    assert response.status_code == 200
    task = response.get_json()
    assert task["jobName"] == job
    assert task["datasetObjectId"] == "0"
    assert task["input"]["taskObject"] == "s3://gtemu-demo/images/shapes-00.png"
    assert task["categories"] == ["circle", "square", "triangle", "red", "green", "blue"]
    assert task["answerElement"] == {"tag": MULTI, "name": MULTI}
    assert task["deadline"].endswith("Z")
    assert task["workerId"].startswith("private.us-east-1.")


def test_workers_label_a_whole_job_through_the_api(aws, client):
    job = make_job(aws, objects=3, workers=2)
    seen = {"ann": [], "bob": []}
    for worker in seen:
        while True:
            response = take(client, job, worker)
            if response.status_code != 200:
                break
            task = response.get_json()
            seen[worker].append(task["datasetObjectId"])
            accepted = submit(client, task["taskId"], worker, {MULTI: {"labels": ["circle"]}})
            assert accepted.get_json() == {"status": "accepted"}
    # Each worker answered every object once.
    assert sorted(seen["ann"]) == sorted(seen["bob"]) == ["0", "1", "2"]
    assert response.status_code == 410
    assert response.get_json()["status"] == "Completed"
    described = describe(aws, job)
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["HumanLabeled"] == 3
    uri = described["LabelingJobOutput"]["OutputDatasetS3Uri"]
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    lines = aws[1].get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
    assert [json.loads(line)["shapes"] for line in lines] == [[0], [0], [0]]
    listing = client.get("/api/v1/jobs?worker=ann").get_json()["jobs"][0]
    assert listing["labeled"] == 3 and listing["pending"] == 0
    assert listing["outputDatasetS3Uri"] == uri


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ({MULTI: {"labels": []}}, "label"),
        ({MULTI: {"labels": ["hexagon"]}}, "hexagon"),
    ],
)
def test_an_invalid_answer_is_refused_and_changes_nothing(aws, client, answer, fragment):
    job = make_job(aws, objects=1, workers=1)
    task = take(client, job, "ann").get_json()
    refused = submit(client, task["taskId"], "ann", answer)
    assert refused.status_code == 400
    assert fragment in refused.get_json()["message"]
    assert describe(aws, job)["LabelCounters"]["HumanLabeled"] == 0
    accepted = submit(client, task["taskId"], "ann", {MULTI: {"labels": ["circle", "red"]}})
    assert accepted.status_code == 200
    assert describe(aws, job)["LabelingJobStatus"] == "Completed"


def test_submitting_someone_elses_task_is_a_conflict(aws, client):
    job = make_job(aws, objects=1, workers=2)
    task = take(client, job, "ann").get_json()
    response = submit(client, task["taskId"], "bob", {MULTI: {"labels": ["circle"]}})
    assert response.status_code == 409
    assert response.get_json()["message"]


def test_no_task_for_now_is_204(aws, client):
    job = make_job(aws, objects=1, workers=2)
    task = take(client, job, "ann").get_json()
    # ann holds the only object: asking again gives her the same task back.
    assert take(client, job, "ann").get_json()["taskId"] == task["taskId"]
    submit(client, task["taskId"], "ann", {MULTI: {"labels": ["circle"]}})
    assert take(client, job, "ann").status_code == 204
    assert take(client, job, "bob").status_code == 200


def test_release_gives_the_task_back_and_decline_counts(aws, client):
    job = make_job(aws, objects=1, workers=1)
    first = take(client, job, "ann").get_json()
    released = client.post(f"/api/v1/tasks/{first['taskId']}/release", json={"worker": "ann"})
    assert released.get_json() == {"status": "released"}
    again = take(client, job, "bob").get_json()
    assert again["datasetObjectId"] == first["datasetObjectId"]
    declined = client.post(f"/api/v1/tasks/{again['taskId']}/decline", json={"worker": "bob"})
    assert declined.get_json() == {"status": "declined"}
    # One worker per object and one decline: the object expires and the job completes.
    described = describe(aws, job)
    assert described["LabelCounters"]["FailedNonRetryableError"] == 1
    assert take(client, job, "carl").status_code == 410


def test_single_label_job_asks_for_one_label(aws, client):
    job = make_job(aws, objects=2, workers=1, kind="singlelabel")
    task = take(client, job, "ann").get_json()
    element = "crowd-image-classifier"
    assert task["answerElement"] == {"tag": element, "name": element}
    assert task["categories"] == ["circle", "square", "triangle"]
    assert submit(client, task["taskId"], "ann", {element: {"label": "circle"}}).status_code == 200


def test_a_stopped_job_is_gone(aws, client):
    job = make_job(aws, objects=2, workers=1)
    take(client, job, "ann")
    aws[0].stop_labeling_job(LabelingJobName=job)
    response = take(client, job, "bob")
    assert response.status_code == 410
    assert response.get_json()["status"] in ("Stopping", "Stopped")


def test_only_members_of_a_team_that_lists_them_see_its_jobs(aws, client):
    job = make_job(aws, objects=1, workers=1)
    team_arn = describe(aws, job)["HumanTaskConfig"]["WorkteamArn"]
    state_for("123456789012", "us-east-1").workforce.set_team_members(team_arn, ["ann"])
    assert client.get("/api/v1/jobs?worker=bob").get_json() == {"jobs": []}
    refused = take(client, job, "bob")
    assert refused.status_code == 403
    assert "bob" in refused.get_json()["message"]
    assert take(client, job, "ann").status_code == 200


def _api_client(app):
    """A test client that sends the app's worker token, as `gtemu work` does."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['WORKER_TOKEN']}"
    return client
