"""The worker portal through Flask's test client: sign-in, CSRF, who may see and answer what,
the queue, time limits and error paths (never a 500)."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient

from emulator.testing import GroundTruth

from .conftest import MULTI, csrf_of, frame_token, make_job, sign_in, start_task, upload_images

ACCOUNT_REGION = "123456789012/us-east-1"


def answers(*labels: str) -> str:
    return json.dumps([{MULTI: {"labels": list(labels)}}])


def submit(client: FlaskClient, task_id: str, token: str | None, body: str | None = None):
    data = {"taskAnswers": body if body is not None else answers("cat")}
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/tasks/{task_id}/submit", data=data)


def worker_responses(gt: GroundTruth, job: str = "animals") -> list[dict]:
    keys = [k for k in gt.output_files(job) if "/worker-response/" in k]
    return [gt.read_json(f"s3://gtemu-test/{k}") for k in keys]


# -- signing in ---------------------------------------------------------------------------------


def test_root_is_the_sign_in_page_with_teams_and_a_dashboard_link(client, groundtruth):
    make_job(groundtruth)
    page = client.get("/").get_data(as_text=True)
    assert "Sign in to work" in page
    assert "gtemu-team (123456789012, us-east-1)" in page
    assert 'href="/dashboard/"' in page


def test_session_cookie_is_http_only_and_same_site_lax(client, groundtruth):
    make_job(groundtruth)
    token = csrf_of(client)
    response = client.post("/signin", data={"user_name": "alice", "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_in_without_csrf_token_is_refused(client, groundtruth):
    make_job(groundtruth)
    response = client.post("/signin", data={"user_name": "alice"})
    assert response.status_code == 400
    assert "CSRF token" in response.get_data(as_text=True)
    assert client.get("/jobs").status_code == 302  # still signed out


@pytest.mark.parametrize(
    ("user", "message"),
    [("", "Please enter your user name."), ("two words", "no spaces"), ("x" * 129, "1 to 128")],
)
def test_bad_user_names_get_a_message(client, groundtruth, user, message):
    make_job(groundtruth)
    token = csrf_of(client)
    response = client.post("/signin", data={"user_name": user, "csrf_token": token})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_team_with_members_admits_only_them(client, groundtruth):
    team = groundtruth.create_work_team("closed", members=["carol"])
    make_job(groundtruth, workteam_arn=team)
    token = csrf_of(client)
    response = client.post("/signin", data={"user_name": "mallory", "team": team,
                                            "csrf_token": token})
    assert response.status_code == 400
    assert "mallory is not a member of the work team closed" in response.get_data(as_text=True)
    sign_in(client, "carol", team)
    assert "animals" in client.get("/jobs").get_data(as_text=True)


def test_a_name_no_team_admits_cannot_sign_in_to_all_teams(client, groundtruth):
    team = groundtruth.create_work_team("closed", members=["carol"])
    make_job(groundtruth, workteam_arn=team)
    token = csrf_of(client)
    response = client.post("/signin", data={"user_name": "mallory", "csrf_token": token})
    assert response.status_code == 400
    assert "mallory is not a member of any work team that admits names only" in response.get_data(
        as_text=True)


def test_without_any_team_sign_in_says_how_to_make_one(client, groundtruth):
    token = csrf_of(client)
    response = client.post("/signin", data={"user_name": "alice", "csrf_token": token})
    assert response.status_code == 400
    assert "No work team exists yet" in response.get_data(as_text=True)


def test_sign_out_needs_csrf_and_ends_the_session(signed_in_client):
    assert signed_in_client.post("/signout").status_code == 400
    token = csrf_of(signed_in_client, "/jobs")
    assert signed_in_client.post("/signout", data={"csrf_token": token}).status_code == 302
    assert signed_in_client.get("/jobs").headers["Location"] == "/"


# -- jobs and tasks -----------------------------------------------------------------------------


def test_job_list_shows_remaining_tasks_and_the_engines_worker_id(signed_in_client, groundtruth):
    page = signed_in_client.get("/jobs").get_data(as_text=True)
    job = groundtruth.job("animals")
    worker_id = groundtruth.state.workforce.worker_identity(job.workteam_arn, "alice").worker_id
    assert "2 of 2" in page
    assert worker_id in page


def test_jobs_of_other_teams_are_not_listed(client, groundtruth):
    closed = groundtruth.create_work_team("closed", members=["carol"])
    make_job(groundtruth, "secret", workteam_arn=closed)
    make_job(groundtruth, "open-job")
    sign_in(client, "alice")
    page = client.get("/jobs").get_data(as_text=True)
    assert "open-job" in page and "secret" not in page
    token = csrf_of(client, "/jobs")
    response = client.post(f"/jobs/{ACCOUNT_REGION}/secret/next", data={"csrf_token": token})
    assert response.status_code == 403


def test_task_page_holds_chrome_and_a_sandboxed_frame(signed_in_client):
    task_id = start_task(signed_in_client)
    page = signed_in_client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "animals task" in page and "Label the data object" in page
    assert f'src="/tasks/{task_id}/frame"' in page
    assert 'sandbox="allow-same-origin allow-scripts' in page
    assert "Decline" in page and "Stop and resume later" in page and "Sign out" in page


def test_an_isolated_frame_gets_an_opaque_origin(app, signed_in_client):
    app.config["PORTAL_ISOLATED_FRAME"] = True
    task_id = start_task(signed_in_client)
    page = signed_in_client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'sandbox="allow-scripts' in page and "allow-same-origin" not in page
    policy = signed_in_client.get(f"/tasks/{task_id}/frame").headers["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts") and "allow-same-origin" not in policy


def test_frame_renders_the_template_with_our_script_and_signed_media(signed_in_client):
    task_id = start_task(signed_in_client)
    response = signed_in_client.get(f"/tasks/{task_id}/frame")
    html = response.get_data(as_text=True)
    assert html.index("window.GTEMU_TASK") < html.index('src="/crowd/crowd-html-elements.js"')
    assert "assets.crowd.aws" not in html
    assert f'"submitUrl": "/tasks/{task_id}/submit"' in html
    media = re.search(r'src="(/media/[^"]+)"', html).group(1)
    assert signed_in_client.get(media).status_code == 200
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_submit_stores_the_answer_once_even_when_posted_twice(signed_in_client, groundtruth):
    task_id = start_task(signed_in_client)
    token = frame_token(signed_in_client, task_id)
    first = submit(signed_in_client, task_id, token, answers("cat", "dog"))
    again = submit(signed_in_client, task_id, token, answers("cat", "dog"))
    assert first.status_code == 200 and first.get_json()["status"] == "accepted"
    assert again.status_code == 200
    groundtruth.advance(60)
    [response] = [r for r in worker_responses(groundtruth) if len(r["answers"])]
    assert len(response["answers"]) == 1
    assert response["answers"][0]["answerContent"] == {MULTI: {"labels": ["cat", "dog"]}}


def test_the_acknowledgement_brings_the_next_task(signed_in_client, groundtruth):
    task_id = start_task(signed_in_client)
    reply = submit(signed_in_client, task_id, frame_token(signed_in_client, task_id)).get_json()
    following = reply["next"]
    assert following["taskId"] != task_id
    assert groundtruth.engine.task(following["taskId"]).state == "open"
    last = submit(signed_in_client, following["taskId"],
                  frame_token(signed_in_client, following["taskId"])).get_json()
    assert last == {"status": "accepted", "taskId": following["taskId"]}  # nothing left


def test_next_task_json_gives_the_following_task(signed_in_client):
    task_id = start_task(signed_in_client)
    submit(signed_in_client, task_id, frame_token(signed_in_client, task_id))
    token = csrf_of(signed_in_client, "/jobs")
    response = signed_in_client.post(
        f"/jobs/{ACCOUNT_REGION}/animals/next",
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    task = response.get_json()["task"]
    assert task["taskId"] != task_id and task["state"] == "open"
    assert task["frameUrl"] == f"/tasks/{task['taskId']}/frame"


def test_when_the_queue_is_empty_the_worker_is_told(signed_in_client):
    for _ in range(2):
        task_id = start_task(signed_in_client)
        submit(signed_in_client, task_id, frame_token(signed_in_client, task_id))
    token = csrf_of(signed_in_client, "/jobs")
    response = signed_in_client.post(f"/jobs/{ACCOUNT_REGION}/animals/next",
                                     data={"csrf_token": token}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "has ended" in page or "No task of animals" in page


# -- who may do what ----------------------------------------------------------------------------


@pytest.fixture
def two_workers(app, groundtruth):
    make_job(groundtruth, objects=2, workers=2)
    alice, bob = app.test_client(), app.test_client()
    sign_in(alice, "alice")
    sign_in(bob, "bob")
    return alice, bob


@pytest.mark.parametrize("path", ["/tasks/{}", "/tasks/{}/frame", "/tasks/{}/status"])
def test_worker_b_cannot_fetch_worker_as_task(two_workers, path):
    alice, bob = two_workers
    task_id = start_task(alice)
    response = bob.get(path.format(task_id))
    assert response.status_code == 403
    assert "is not assigned to bob" in response.get_data(as_text=True)


def test_worker_b_cannot_answer_decline_or_release_worker_as_task(two_workers, groundtruth):
    alice, bob = two_workers
    task_id = start_task(alice)
    alices_token = frame_token(alice, task_id)
    assert submit(bob, task_id, alices_token).status_code == 403
    assert submit(bob, task_id, frame_token(bob, start_task(bob))).status_code == 403
    bob_csrf = csrf_of(bob, "/jobs")
    for action in ("decline", "release"):
        response = bob.post(f"/tasks/{task_id}/{action}", data={"csrf_token": bob_csrf})
        assert response.status_code == 403
    assert groundtruth.engine.task(task_id).state == "open"


def test_submit_without_token_or_with_a_forged_one_is_refused(signed_in_client, groundtruth):
    task_id = start_task(signed_in_client)
    missing = submit(signed_in_client, task_id, None)
    assert missing.status_code == 400 and "CSRF" in missing.get_json()["message"]
    assert submit(signed_in_client, task_id, "0" * 64).status_code == 403
    assert groundtruth.engine.task(task_id).state == "open"


def test_the_frame_token_works_without_the_session_cookie(app, signed_in_client):
    """The sandboxed frame has an opaque origin: its post carries no cookie."""
    task_id = start_task(signed_in_client)
    token = frame_token(signed_in_client, task_id)
    cookieless = app.test_client()
    preflight = cookieless.options(f"/tasks/{task_id}/submit", headers={"Origin": "null"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "null"
    assert "X-CSRFToken" in preflight.headers["Access-Control-Allow-Headers"]
    response = cookieless.post(f"/tasks/{task_id}/submit", headers={"Origin": "null"},
                               data={"taskAnswers": answers("bird"), "csrf_token": token})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("not json", 400, "not valid JSON"),
        ("[1, 2]", 400, "one answer object"),
        ('"text"', 400, "one answer object"),
        (answers("zebra"), 400, "zebra"),
        (answers(), 400, None),
    ],
)
def test_bad_answers_get_a_message_and_change_nothing(signed_in_client, groundtruth, body,
                                                      status, message):
    task_id = start_task(signed_in_client)
    response = submit(signed_in_client, task_id, frame_token(signed_in_client, task_id), body)
    assert response.status_code == status
    assert response.get_json()["message"]
    if message:
        assert message in response.get_json()["message"]
    assert groundtruth.engine.task(task_id).state == "open"


def test_a_post_without_task_answers_is_a_400(signed_in_client):
    task_id = start_task(signed_in_client)
    token = frame_token(signed_in_client, task_id)
    response = signed_in_client.post(f"/tasks/{task_id}/submit", data={"csrf_token": token})
    assert response.status_code == 400
    assert "taskAnswers" in response.get_json()["message"]


def test_state_changing_task_actions_need_csrf(signed_in_client, groundtruth):
    task_id = start_task(signed_in_client)
    for action in ("decline", "release", "hidden"):
        response = signed_in_client.post(f"/tasks/{task_id}/{action}")
        assert response.status_code == 400, action
    token = csrf_of(signed_in_client, "/jobs")
    assert signed_in_client.post(f"/jobs/{ACCOUNT_REGION}/animals/next").status_code == 400
    assert groundtruth.engine.task(task_id).state == "open"
    assert token


def test_signed_out_requests_are_sent_to_sign_in_or_get_401(client, groundtruth):
    make_job(groundtruth)
    assert client.get("/jobs").headers["Location"] == "/"
    assert client.get("/tasks/abc").headers["Location"] == "/"
    response = client.get("/tasks/abc/status")
    assert response.status_code == 401 and response.get_json()["message"] == "Please sign in first."


@pytest.mark.parametrize(
    "path", ["/tasks/nope", "/tasks/nope/frame", "/tasks/nope/status", "/dashboard/1/2/3"]
)
def test_unknown_things_are_404(signed_in_client, path):
    assert signed_in_client.get(path).status_code == 404


def test_hostile_posts_never_give_a_500(signed_in_client):
    task_id = start_task(signed_in_client)
    token = frame_token(signed_in_client, task_id)
    csrf = csrf_of(signed_in_client, "/jobs")
    bodies = [
        {"taskAnswers": "[" * 5000, "csrf_token": token},
        {"taskAnswers": json.dumps([{MULTI: {"labels": "cat"}}]), "csrf_token": token},
        {"taskAnswers": json.dumps([{MULTI: {"labels": ["<script>x</script>"]}}]),
         "csrf_token": token},
    ]
    for data in bodies:
        assert submit_raw(signed_in_client, task_id, data) < 500
    invalid_utf8 = f"taskAnswers=%FF%FE%5B&csrf_token={token}".encode()
    response = signed_in_client.post(f"/tasks/{task_id}/submit", data=invalid_utf8,
                                     content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    huge = {"taskAnswers": "x" * (3 * 1024 * 1024), "csrf_token": token}
    assert submit_raw(signed_in_client, task_id, huge) == 413
    for seconds in ("x", -1, None, True):
        response = signed_in_client.post(f"/tasks/{task_id}/hidden", json={"seconds": seconds},
                                         headers={"X-CSRFToken": csrf})
        assert response.status_code == 400


def submit_raw(client: FlaskClient, task_id: str, data: dict) -> int:
    return client.post(f"/tasks/{task_id}/submit", data=data).status_code


# -- decline, release, time limit, hidden time ------------------------------------------------


def test_decline_moves_on_to_another_item(signed_in_client, groundtruth):
    task_id = start_task(signed_in_client)
    first_object = groundtruth.engine.task(task_id).dataset_object_id
    token = csrf_of(signed_in_client, f"/tasks/{task_id}")
    response = signed_in_client.post(f"/tasks/{task_id}/decline", data={"csrf_token": token})
    assert groundtruth.engine.task(task_id).state == "declined"
    next_id = response.headers["Location"].rsplit("/", 1)[1]
    assert groundtruth.engine.task(next_id).dataset_object_id != first_object


def test_release_returns_the_task_and_goes_back_to_the_job_list(signed_in_client, groundtruth):
    task_id = start_task(signed_in_client)
    token = csrf_of(signed_in_client, f"/tasks/{task_id}")
    response = signed_in_client.post(f"/tasks/{task_id}/release", data={"csrf_token": token},
                                     follow_redirects=True)
    assert "went back to the queue" in response.get_data(as_text=True)
    assert groundtruth.engine.task(task_id).state == "released"
    again = signed_in_client.post(f"/tasks/{task_id}/release", data={"csrf_token": token})
    assert again.status_code == 409 and "no longer open" in again.get_data(as_text=True)


def test_time_limit_expires_the_task_and_refuses_a_late_answer(signed_in_client, groundtruth):
    task_id = start_task(signed_in_client)
    token = frame_token(signed_in_client, task_id)
    status = signed_in_client.get(f"/tasks/{task_id}/status").get_json()
    assert status["state"] == "open" and 299 < status["remainingSeconds"] <= 300
    groundtruth.advance(301)
    assert signed_in_client.get(f"/tasks/{task_id}/status").get_json() == {
        "state": "expired", "remainingSeconds": 0.0}
    late = submit(signed_in_client, task_id, token)
    assert late.status_code == 409 and "time limit" in late.get_json()["message"]


def test_hidden_page_time_is_left_out_of_time_spent(signed_in_client, groundtruth):
    task_id = start_task(signed_in_client)
    token = frame_token(signed_in_client, task_id)
    csrf = csrf_of(signed_in_client, f"/tasks/{task_id}")
    groundtruth.advance(10)
    reply = signed_in_client.post(f"/tasks/{task_id}/hidden", json={"seconds": 4},
                                  headers={"X-CSRFToken": csrf})
    assert reply.get_json() == {"hiddenSeconds": 4.0}
    assert submit(signed_in_client, task_id, token).status_code == 200
    groundtruth.advance(60)
    [answer] = [a for r in worker_responses(groundtruth) for a in r["answers"]]
    assert answer["timeSpentInSeconds"] == pytest.approx(6.0, abs=0.01)


def test_a_task_whose_template_cannot_render_fails_its_object(client, groundtruth):
    broken = (
        '<crowd-form><img src="{{ task.input.missing | grant_read_access }}"></crowd-form>'
    )
    uris = groundtruth.upload_inputs(upload_images(groundtruth, 1), labels=["cat", "dog"],
                                     prefix="input-broken", template=broken)
    groundtruth.create_job("broken", uris, workers_per_object=1)
    sign_in(client, "alice")
    task_id = start_task(client, job="broken")

    frame = client.get(f"/tasks/{task_id}/frame").get_data(as_text=True)

    assert "not a valid S3 URI" in frame
    describe = groundtruth.describe("broken")
    assert describe["LabelCounters"]["FailedNonRetryableError"] == 1
    assert describe["LabelingJobStatus"] == "Completed"
    [line] = groundtruth.output_manifest("broken")
    assert line["broken-metadata"]["failure-reason"].startswith(
        "ClientError: Task failed to render: [ InvalidParameters: "
    )
