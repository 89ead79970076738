"""Hostile and broken posts to the worker portal: a 4xx with a message, and nothing changes
(issue 7, item 3)."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.testing import GroundTruth
from worker_ui.app import create_app

from .hostile import HOSTILE_BODIES, engine_snapshot
from .portal import csrf_of, frame_token, sign_in, start_task

ELEMENT = "crowd-image-classifier-multi-select"
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def app(groundtruth: GroundTruth) -> Flask:
    uris = groundtruth.upload_inputs(60, labels=["cat", "dog", "bird"])
    groundtruth.create_job("portal", uris, workers_per_object=1)
    groundtruth.engine.pump()
    return create_app({"SECRET_KEY": "hardening-portal", "PROPAGATE_EXCEPTIONS": False})


@pytest.fixture
def ann(app: Flask):
    client = app.test_client()
    sign_in(client, "ann")
    return client


def _refused_cleanly(response) -> None:
    assert 400 <= response.status_code < 500, response.status_code
    assert response.get_data(as_text=True).strip()


task_answers = st.one_of(
    st.text(max_size=60),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                 lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                 max_leaves=10).map(json.dumps),
    st.lists(st.text(max_size=8), max_size=4).map(
        lambda labels: json.dumps([{ELEMENT: {"labels": labels}}])),
    st.sampled_from(["[" * 100_000, "[{}, {}]", '[{"a": NaN}]']),
)


@FUZZ
@given(answer=task_answers)
def test_any_task_answers_are_kept_as_sent_or_refused_without_a_change(app, groundtruth, ann,
                                                                       answer):
    task_id = start_task(ann, "portal")
    token = frame_token(ann, task_id)
    before = engine_snapshot(groundtruth.engine)
    response = ann.post(f"/tasks/{task_id}/submit",
                        data={"taskAnswers": answer, "csrf_token": token})
    if response.status_code == 200:
        task = groundtruth.engine.task(task_id)
        assert task.state == "submitted"
        sent = json.loads(answer)
        assert task.answer == (sent[0] if isinstance(sent, list) else sent)
        return
    _refused_cleanly(response)
    assert engine_snapshot(groundtruth.engine) == before


@pytest.mark.parametrize("body", [*HOSTILE_BODIES, b'{"seconds": -1}', b"{}"])
def test_broken_hidden_time_reports_are_refused(app, groundtruth, ann, body):
    task_id = start_task(ann, "portal")
    before = engine_snapshot(groundtruth.engine)
    response = ann.post(f"/tasks/{task_id}/hidden", data=body, content_type="application/json",
                        headers={"X-CSRFToken": csrf_of(ann, "/jobs")})
    assert response.status_code == 400
    assert "seconds" in response.get_json()["message"]
    assert engine_snapshot(groundtruth.engine) == before


def test_a_portal_post_over_the_size_limit_is_a_413(app, groundtruth, ann):
    task_id = start_task(ann, "portal")
    before = engine_snapshot(groundtruth.engine)
    response = ann.post(f"/tasks/{task_id}/submit",
                        data={"taskAnswers": "x" * 3_000_000, "csrf_token": frame_token(ann,
                                                                                      task_id)})
    _refused_cleanly(response)
    assert response.status_code == 413
    assert engine_snapshot(groundtruth.engine) == before
