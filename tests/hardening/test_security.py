"""The worker side keeps workers apart and pages inert (issue 7, item 4): CSRF on every
state-changing post, HttpOnly/SameSite session cookies, a worker reaches only their own tasks,
and the servers bind loopback unless told otherwise, saying so loudly when not."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from emulator.commands import serve
from emulator.server import GtemuServer
from emulator.testing import GroundTruth
from worker_ui.app import create_app

from .hostile import engine_snapshot
from .portal import ACCOUNT, REGION, csrf_of, frame_token, sign_in, start_task

ELEMENT = "crowd-image-classifier-multi-select"
ANSWER = '[{"crowd-image-classifier-multi-select": {"labels": ["cat"]}}]'


@pytest.fixture
def app(groundtruth: GroundTruth) -> Flask:
    uris = groundtruth.upload_inputs(4)
    groundtruth.create_job("shared", uris, workers_per_object=2)
    groundtruth.engine.pump()
    return create_app({"SECRET_KEY": "hardening-security", "PROPAGATE_EXCEPTIONS": False})


def _worker(app: Flask, name: str) -> FlaskClient:
    client = _api_client(app)
    sign_in(client, name)
    return client


# -- CSRF -------------------------------------------------------------------------------------


def test_every_state_changing_post_without_the_csrf_token_is_refused(app, groundtruth):
    ann = _worker(app, "ann")
    task_id = start_task(ann, "shared")
    before = engine_snapshot(groundtruth.engine)
    posts = {
        "/signout": {},
        f"/jobs/{ACCOUNT}/{REGION}/shared/next": {},
        f"/tasks/{task_id}/decline": {},
        f"/tasks/{task_id}/release": {},
        f"/tasks/{task_id}/submit": {"taskAnswers": ANSWER},
    }
    for path, form in posts.items():
        for token in (None, "forged-token"):
            data = dict(form) if token is None else {**form, "csrf_token": token}
            response = ann.post(path, data=data)
            assert response.status_code in (400, 403), (path, token, response.status_code)
            assert "CSRF" in response.get_data(as_text=True) or "token" in \
                response.get_data(as_text=True), path
    hidden = ann.post(f"/tasks/{task_id}/hidden", json={"seconds": 5})
    assert hidden.status_code == 400
    assert engine_snapshot(groundtruth.engine) == before
    assert ann.get("/jobs").status_code == 200, "the refused sign-out must not sign out"


def test_sign_in_without_the_csrf_token_is_refused(app):
    client = _api_client(app)
    response = client.post("/signin", data={"user_name": "mallory"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/jobs").status_code in (302, 303)


def test_the_session_cookie_is_http_only_and_same_site(app):
    client = _api_client(app)
    token = csrf_of(client)
    response = client.post("/signin", data={"user_name": "ann", "csrf_token": token})
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].strip() == "SameSite=Lax"


# -- one worker, one task ----------------------------------------------------------------------


def test_worker_b_cannot_see_or_answer_worker_a_task_in_the_portal(app, groundtruth):
    ann, bob = _worker(app, "ann"), _worker(app, "bob")
    task_id = start_task(ann, "shared")
    ann_token = frame_token(ann, task_id)
    before = engine_snapshot(groundtruth.engine)
    for path in (f"/tasks/{task_id}", f"/tasks/{task_id}/frame", f"/tasks/{task_id}/status"):
        response = bob.get(path)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert ann_token not in response.get_data(as_text=True)
    bob_csrf = csrf_of(bob, "/jobs")
    refused = {
        f"/tasks/{task_id}/submit": {"taskAnswers": ANSWER, "csrf_token": ann_token},
        f"/tasks/{task_id}/decline": {"csrf_token": bob_csrf},
        f"/tasks/{task_id}/release": {"csrf_token": bob_csrf},
    }
    for path, form in refused.items():
        response = bob.post(path, data=form)
        assert response.status_code in (403, 404), (path, response.status_code)
    forged = bob.post(f"/tasks/{task_id}/submit", data={"taskAnswers": ANSWER},
                      headers={"X-CSRFToken": "0" * 64})
    assert forged.status_code == 403
    assert engine_snapshot(groundtruth.engine) == before
    accepted = ann.post(f"/tasks/{task_id}/submit",
                        data={"taskAnswers": ANSWER, "csrf_token": ann_token})
    assert accepted.status_code == 200


def test_worker_b_cannot_answer_decline_or_release_worker_a_task_over_the_json_api(app,
                                                                                  groundtruth):
    client = _api_client(app)
    taken = client.post("/api/v1/jobs/shared/tasks/next", json={"worker": "ann"})
    task_id = taken.get_json()["taskId"]
    before = engine_snapshot(groundtruth.engine)
    answer = {ELEMENT: {"labels": ["cat"]}}
    for action, body in [("submit", {"worker": "bob", "answer": answer}),
                         ("decline", {"worker": "bob"}), ("release", {"worker": "bob"})]:
        response = client.post(f"/api/v1/tasks/{task_id}/{action}", json=body)
        assert response.status_code == 409, (action, response.status_code)
        assert "not assigned to worker" in response.get_json()["message"]
    bob_task = client.post("/api/v1/jobs/shared/tasks/next", json={"worker": "bob"}).get_json()
    assert bob_task["taskId"] != task_id
    assert engine_snapshot(groundtruth.engine) != before  # bob took a task of his own
    assert groundtruth.engine.task(task_id).state == "open"
    assert groundtruth.engine.task(task_id).worker_id == taken.get_json()["workerId"]


# -- binding ---------------------------------------------------------------------------------


def test_both_servers_bind_loopback_by_default():
    with GtemuServer(port=0, ui_port=0) as server:
        assert server.endpoint_url.startswith("http://127.0.0.1:")
        assert server.ui_url.startswith("http://127.0.0.1:")
        banner = io.StringIO()
        with redirect_stdout(banner):
            serve._print_banner(server, "us-east-1")
        assert "WARNING" not in banner.getvalue()
        session = requests.get(f"{server.ui_url}/").headers.get("Set-Cookie", "")
        assert "HttpOnly" in session and "SameSite=Lax" in session


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_the_banner_warns_loudly_when_not_on_loopback(host):
    with GtemuServer(port=0, ui_port=0) as server:
        server.host = host  # the banner reads the address it was asked to bind
        banner = io.StringIO()
        with redirect_stdout(banner):
            serve._print_banner(server, "us-east-1")
    first_line = banner.getvalue().splitlines()[0]
    assert first_line.startswith(f"WARNING: gtemu is listening on {host}, not on a loopback")


def _api_client(app):
    """A test client that sends the app's worker token, as `gtemu work` does."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['WORKER_TOKEN']}"
    return client
