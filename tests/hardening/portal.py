"""Driving the worker portal like a browser does, with Flask's test client."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

ACCOUNT = "123456789012"
REGION = "us-east-1"


def csrf_of(client: FlaskClient, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, user: str) -> None:
    response = client.post("/signin", data={"user_name": user, "csrf_token": csrf_of(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


def start_task(client: FlaskClient, job: str) -> str:
    """Accept the next task of `job` through the portal; returns its task id."""
    response = client.post(f"/jobs/{ACCOUNT}/{REGION}/{job}/next",
                           data={"csrf_token": csrf_of(client, "/jobs")})
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert "/tasks/" in location, location
    return location.rsplit("/", 1)[1]


def frame_token(client: FlaskClient, task_id: str) -> str:
    frame = client.get(f"/tasks/{task_id}/frame").get_data(as_text=True)
    match = re.search(r'"csrfToken": "([0-9a-f]+)"', frame)
    assert match, frame[:500]
    return match.group(1)
