"""Workers sign in as the users of their team's Cognito group, on moto's own cognito-idp."""

from __future__ import annotations

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient

from emulator.testing import GroundTruth
from worker_ui.app import create_app

from .conftest import csrf_of, make_job, sign_in


def cognito_team(gt: GroundTruth, name: str, users: dict[str, str], *, temporary: bool = False,
                 outsiders: tuple[str, ...] = ()) -> str:
    """A user pool, app client and group with `users` (name -> password) in it, and a private
    work team whose members are that group. `outsiders` are pool users outside the group."""
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    # One private workforce per account and region: its teams share one pool and app client.
    pools = idp.list_user_pools(MaxResults=1)["UserPools"]
    if pools:
        pool = pools[0]["Id"]
        client = idp.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"][0]["ClientId"]
    else:
        pool = idp.create_user_pool(PoolName="workers")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="portal")[
            "UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool, GroupName=f"{name}-group")
    for user, password in {**users, **dict.fromkeys(outsiders, "Outsider-pass-1")}.items():
        if temporary:
            idp.admin_create_user(UserPoolId=pool, Username=user, TemporaryPassword=password)
        else:
            idp.admin_create_user(UserPoolId=pool, Username=user)
            idp.admin_set_user_password(UserPoolId=pool, Username=user, Password=password,
                                        Permanent=True)
        if user in users:
            idp.admin_add_user_to_group(UserPoolId=pool, Username=user,
                                        GroupName=f"{name}-group")
    return gt.sagemaker.create_workteam(
        WorkteamName=name, Description=name,
        MemberDefinitions=[{"CognitoMemberDefinition": {
            "UserPool": pool, "UserGroup": f"{name}-group", "ClientId": client}}],
    )["WorkteamArn"]


def password_sign_in(client: FlaskClient, user: str, password: str):
    return client.post("/signin", data={"user_name": user, "password": password,
                                        "csrf_token": csrf_of(client)})


@pytest.fixture
def strict_app(groundtruth: GroundTruth) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "test", "STRICT_SIGN_IN": True})


def test_a_cognito_user_signs_in_with_a_password_and_sees_only_their_teams_jobs(
    client: FlaskClient, groundtruth: GroundTruth,
) -> None:
    labelers = cognito_team(groundtruth, "labelers", {"ann": "Ann-pass-123"})
    reviewers = cognito_team(groundtruth, "reviewers", {"bob": "Bob-pass-123"})
    make_job(groundtruth, "for-labelers", workteam_arn=labelers)
    make_job(groundtruth, "for-reviewers", workteam_arn=reviewers)
    assert password_sign_in(client, "ann", "Ann-pass-123").status_code == 302
    jobs = client.get("/jobs").get_data(as_text=True)
    assert "for-labelers" in jobs and "for-reviewers" not in jobs
    refused = client.post("/jobs/123456789012/us-east-1/for-reviewers/next",
                          data={"csrf_token": csrf_of(client, "/jobs")})
    assert refused.status_code == 403


def test_a_wrong_password_or_a_name_alone_does_not_sign_in_to_a_cognito_team(
    client: FlaskClient, groundtruth: GroundTruth,
) -> None:
    team = cognito_team(groundtruth, "secured", {"ann": "Ann-pass-123"}, outsiders=("eve",))
    make_job(groundtruth, "secured-job", workteam_arn=team)
    wrong = password_sign_in(client, "ann", "guess")
    assert wrong.status_code == 401
    assert "Incorrect username or password." in wrong.get_data(as_text=True)
    by_name = client.post("/signin", data={"user_name": "ann", "csrf_token": csrf_of(client)})
    assert by_name.status_code == 400  # the only team has Cognito users: no name-only sign-in
    # A user of the pool who is not in the team's group signs in but sees nothing.
    assert password_sign_in(client, "eve", "Outsider-pass-1").status_code == 302
    assert "secured-job" not in client.get("/jobs").get_data(as_text=True)


def test_a_temporary_password_must_be_changed_on_first_sign_in(
    client: FlaskClient, groundtruth: GroundTruth,
) -> None:
    team = cognito_team(groundtruth, "new-hires", {"kim": "Temp-pass-123"}, temporary=True)
    make_job(groundtruth, "first-day", workteam_arn=team)
    first = password_sign_in(client, "kim", "Temp-pass-123")
    assert first.status_code == 302 and first.headers["Location"].endswith("/signin/new-password")
    assert client.get("/jobs").status_code == 302  # not signed in yet
    page = client.get("/signin/new-password").get_data(as_text=True)
    assert "temporary password" in page
    mismatch = client.post("/signin/new-password", data={
        "new_password": "Kim-new-pass-1", "confirm_password": "other",
        "csrf_token": csrf_of(client, "/signin/new-password")})
    assert mismatch.status_code == 400
    changed = client.post("/signin/new-password", data={
        "new_password": "Kim-new-pass-1", "confirm_password": "Kim-new-pass-1",
        "csrf_token": csrf_of(client, "/signin/new-password")})
    assert changed.status_code == 302
    assert "first-day" in client.get("/jobs").get_data(as_text=True)
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = idp.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    assert idp.admin_get_user(UserPoolId=pool, Username="kim")["UserStatus"] == "CONFIRMED"
    # From now on the new password signs in directly, the temporary one no more.
    client.post("/signout", data={"csrf_token": csrf_of(client, "/jobs")})
    assert password_sign_in(client, "kim", "Temp-pass-123").status_code == 401
    assert password_sign_in(client, "kim", "Kim-new-pass-1").headers["Location"].endswith("/jobs")


def test_a_team_without_cognito_users_admits_names_with_a_banner(
    client: FlaskClient, groundtruth: GroundTruth,
) -> None:
    team = cognito_team(groundtruth, "empty-group", {})
    make_job(groundtruth, "open-job", workteam_arn=team)
    page = client.get("/").get_data(as_text=True)
    assert "Local" in page and "convenience" in page and "--strict-sign-in" in page
    sign_in(client, "anyone")
    assert "open-job" in client.get("/jobs").get_data(as_text=True)


def test_strict_sign_in_refuses_names_alone(strict_app: Flask, groundtruth: GroundTruth) -> None:
    client = strict_app.test_client()
    team = cognito_team(groundtruth, "empty-strict", {})
    make_job(groundtruth, "strict-job", workteam_arn=team)
    page = client.get("/").get_data(as_text=True)
    assert "convenience" not in page
    refused = client.post("/signin", data={"user_name": "anyone", "csrf_token": csrf_of(client)})
    assert refused.status_code == 400 and "password" in refused.get_data(as_text=True)


def test_sign_out_ends_the_session_on_the_server(client: FlaskClient,
                                                groundtruth: GroundTruth) -> None:
    make_job(groundtruth, "signed-out")
    sign_in(client, "alice")
    old_cookie = client.get_cookie("session").value
    assert client.get("/jobs").status_code == 200
    client.post("/signout", data={"csrf_token": csrf_of(client, "/jobs")})
    client.set_cookie("session", old_cookie)  # an old copy of the cookie, replayed
    assert client.get("/jobs").status_code == 302  # back to the sign-in page
