"""Hostile and broken worker posts to the workers' JSON API: a 4xx with a message, and nothing
changes (issue 7, item 3)."""

from __future__ import annotations

import json
import string

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.testing import GroundTruth
from worker_ui.app import create_app

from .hostile import HOSTILE_BODIES, clean_json_refusal, engine_snapshot, s3_snapshot

ELEMENT = "crowd-image-classifier-multi-select"
LABELS = ["cat", "dog", "bird"]
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
label_lists = st.one_of(
    st.lists(st.sampled_from(LABELS + ["", "CAT", "fish", "<script>", "cat "]), max_size=4),
    json_values,
)
answers = st.one_of(
    json_values,
    st.fixed_dictionaries({ELEMENT: st.fixed_dictionaries({"labels": label_lists})}),
    st.dictionaries(st.text(max_size=30), st.fixed_dictionaries({"labels": label_lists}),
                    max_size=3),
)
workers = st.one_of(st.just("ann"), st.sampled_from(["", " ", "bob", "x" * 129]), json_values)
bodies = st.one_of(
    st.fixed_dictionaries(
        {"worker": workers, "answer": answers},
        optional={"activeSeconds": json_values | st.floats(), "account": json_values,
                  "region": st.text(max_size=20), "extra": json_values},
    ).map(lambda body: json.dumps(body).encode()),
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(HOSTILE_BODIES),
)


@pytest.fixture
def app(groundtruth: GroundTruth) -> Flask:
    uris = groundtruth.upload_inputs(80, labels=LABELS)
    groundtruth.create_job("posts", uris, workers_per_object=1)
    groundtruth.engine.pump()
    return create_app({"SECRET_KEY": "hardening", "PROPAGATE_EXCEPTIONS": False})


def _take(client, worker: str = "ann") -> str | None:
    response = client.post("/api/v1/jobs/posts/tasks/next", json={"worker": worker})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return response.get_json()["taskId"] if response.status_code == 200 else None


def _not_json(name: str) -> None:
    raise AssertionError(f"a body with {name} was accepted; it is not JSON")


def _acceptable(answer: object) -> bool:
    """Our own reading of docs/elements.md#the-answer-object for a multi-label answer of this
    job."""
    if not isinstance(answer, dict):
        return False
    outputs = [value for value in answer.values() if isinstance(value, dict) and "labels" in value]
    if not outputs:
        return False
    labels = outputs[0]["labels"]
    return (
        isinstance(labels, list) and bool(labels) and len(set(map(str, labels))) == len(labels)
        and all(isinstance(label, str) and label in LABELS for label in labels)
    )


@FUZZ
@given(body=bodies)
def test_any_submit_body_is_stored_as_sent_or_refused_without_a_change(app, groundtruth, body):
    client = _api_client(app)
    task_id = _take(client) or next(iter(groundtruth.job("posts").run.tasks))
    before = engine_snapshot(groundtruth.engine)
    response = client.post(f"/api/v1/tasks/{task_id}/submit", data=body,
                           content_type="application/json")
    if response.status_code == 200:
        sent = json.loads(body, parse_constant=_not_json)
        task = groundtruth.engine.task(task_id)
        assert task.state == "submitted" and task.answer == sent["answer"]
        assert _acceptable(sent["answer"]), sent
        return
    assert clean_json_refusal(response) is None, clean_json_refusal(response)
    assert engine_snapshot(groundtruth.engine) == before


@FUZZ
@given(
    action=st.sampled_from(["submit", "decline", "release"]),
    task_id=st.text(string.printable, max_size=40),
    body=bodies,
)
def test_actions_on_unknown_tasks_are_refused_without_a_change(app, groundtruth, action,
                                                               task_id, body):
    client = _api_client(app)
    _take(client)
    before = engine_snapshot(groundtruth.engine)
    response = client.post(f"/api/v1/tasks/{task_id}/{action}", data=body,
                           content_type="application/json")
    assert clean_json_refusal(response) is None, clean_json_refusal(response)
    assert engine_snapshot(groundtruth.engine) == before


@FUZZ
@given(job=st.text(string.printable, min_size=1, max_size=40), body=bodies)
def test_next_task_with_a_broken_request_changes_nothing(app, groundtruth, job, body):
    client = _api_client(app)
    before = engine_snapshot(groundtruth.engine)
    response = client.post(f"/api/v1/jobs/{job}/tasks/next", data=body,
                           content_type="application/json")
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert clean_json_refusal(response) is None, clean_json_refusal(response)
        assert engine_snapshot(groundtruth.engine) == before


def test_a_deeply_nested_body_is_a_400_not_a_server_error(app, groundtruth):
    client = _api_client(app)
    task_id = _take(client)
    before = engine_snapshot(groundtruth.engine)
    response = client.post(f"/api/v1/tasks/{task_id}/submit", data=b"[" * 100_000,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"] == "The request body must be a JSON object."
    assert engine_snapshot(groundtruth.engine) == before


def test_a_body_over_the_size_limit_is_a_413_naming_the_limit(app, groundtruth):
    client = _api_client(app)
    task_id = _take(client)
    before = engine_snapshot(groundtruth.engine)
    huge = {"worker": "ann", "answer": {ELEMENT: {"labels": ["cat"]}, "pad": "x" * 3_000_000}}
    response = client.post(f"/api/v1/tasks/{task_id}/submit", json=huge)
    assert response.status_code == 413
    assert "2097152 bytes" in response.get_json()["message"]
    assert engine_snapshot(groundtruth.engine) == before


def test_a_label_outside_the_categories_is_refused_by_name(app, groundtruth):
    client = _api_client(app)
    task_id = _take(client)
    before = engine_snapshot(groundtruth.engine)
    response = client.post(f"/api/v1/tasks/{task_id}/submit",
                           json={"worker": "ann", "answer": {ELEMENT: {"labels": ["cat", "fish"]}}})
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        '"fish" is not one of the label categories of this job.'
    )
    assert engine_snapshot(groundtruth.engine) == before


def test_extra_fields_are_ignored_and_the_answer_is_kept_as_sent(app, groundtruth):
    client = _api_client(app)
    task_id = _take(client)
    answer = {ELEMENT: {"labels": ["dog"], "note": "<b>extra</b>"}, "comment": {"x": 1}}
    response = client.post(f"/api/v1/tasks/{task_id}/submit",
                           json={"worker": "ann", "answer": answer, "client": "v9"})
    assert response.status_code == 200
    assert groundtruth.engine.task(task_id).answer == answer


@pytest.mark.parametrize("seconds", [b"NaN", b"Infinity", b"-Infinity", b"-1", b'"5"', b"true"])
def test_active_seconds_must_be_a_finite_non_negative_number(app, groundtruth, seconds):
    client = _api_client(app)
    task_id = _take(client)
    before = engine_snapshot(groundtruth.engine)
    body = b'{"worker": "ann", "answer": {"x": {"labels": ["cat"]}}, "activeSeconds": ' + \
        seconds + b"}"
    response = client.post(f"/api/v1/tasks/{task_id}/submit", data=body,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"] == '"activeSeconds" must be a non-negative number.'
    assert engine_snapshot(groundtruth.engine) == before


def test_after_a_barrage_of_refused_posts_the_job_still_completes_with_every_object(
    app, groundtruth
):
    client = _api_client(app)
    task_id = _take(client)
    outputs = s3_snapshot(groundtruth.s3)
    barrage = [*HOSTILE_BODIES, b"", b"{}", b'{"worker": "ann"}',
               json.dumps({"worker": "ann", "answer": {ELEMENT: {"labels": ["fish"]}}}).encode(),
               json.dumps({"worker": "bob", "answer": {ELEMENT: {"labels": ["cat"]}}}).encode()]
    for body in barrage:
        for action in ("submit", "decline", "release"):
            if action != "submit" and _names_ann(body):
                continue  # ann may decline or release her own task
            response = client.post(f"/api/v1/tasks/{task_id}/{action}", data=body,
                                   content_type="application/json")
            assert clean_json_refusal(response) is None, (action, body[:60])
    assert s3_snapshot(groundtruth.s3) == outputs, "a refused post wrote to S3"
    described = groundtruth.complete_job("posts")
    assert described["LabelingJobStatus"] == "Completed"
    assert described["LabelCounters"]["TotalLabeled"] == 80
    lines = groundtruth.output_manifest("posts")
    assert len(lines) == 80 and all("posts" in line for line in lines)


def _names_ann(body: bytes) -> bool:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and parsed.get("worker") == "ann"


def _api_client(app):
    """A test client that sends the app's worker token, as `gtemu work` does."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['WORKER_TOKEN']}"
    return client
