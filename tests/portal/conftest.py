"""Fixtures for the portal and dashboard tests: real jobs in moto, the worker UI app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from emulator.testing import GroundTruth
from worker_ui.app import create_app

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">'
    '<rect width="320" height="240" fill="#8ab"/></svg>'
)
MULTI = "crowd-image-classifier-multi-select"


def upload_images(gt: GroundTruth, count: int, bucket: str = "gtemu-test") -> list[str]:
    """`count` small SVG pictures in S3 (real objects, so that task pages load them)."""
    return [gt.put_object(f"s3://{bucket}/images/{i:03d}.svg", SVG) for i in range(count)]


def make_job(
    gt: GroundTruth, name: str = "animals", *, objects: int = 2, workers: int = 1, **overrides: Any
) -> None:
    uris = gt.upload_inputs(upload_images(gt, objects), labels=["cat", "dog", "bird"],
                            prefix=f"input-{name}")
    gt.create_job(name, uris, workers_per_object=workers, **overrides)
    gt.engine.pump()


@pytest.fixture
def app(groundtruth: GroundTruth) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_of(client: FlaskClient, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, user: str, team: str = "") -> None:
    token = csrf_of(client)
    response = client.post("/signin", data={"user_name": user, "team": team, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def start_task(client: FlaskClient, job: str = "animals") -> str:
    """Accept the next task through the portal; returns its task id."""
    token = csrf_of(client, "/jobs")
    response = client.post(f"/jobs/123456789012/us-east-1/{job}/next",
                           data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def frame_token(client: FlaskClient, task_id: str) -> str:
    frame = client.get(f"/tasks/{task_id}/frame").get_data(as_text=True)
    match = re.search(r'"csrfToken": "([0-9a-f]+)"', frame)
    assert match, frame[:500]
    return match.group(1)


@pytest.fixture
def signed_in_client(client: FlaskClient, groundtruth: GroundTruth) -> Iterator[FlaskClient]:
    make_job(groundtruth)
    sign_in(client, "alice")
    yield client
