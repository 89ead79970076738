"""Cognito sign-in against `gtemu serve --state-dir`: the portal talks to moto's cognito-idp
over the AWS endpoint, so a first sign-in's new password is journaled and survives a restart."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import requests

from emulator.commands.demo import clients, create_job, upload_inputs
from emulator.server import GtemuServer


def _session_post(session: requests.Session, base: str, path: str, data: dict,
                  page: str = "/") -> requests.Response:
    form = session.get(base + page).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return session.post(base + path, data={**data, "csrf_token": token}, allow_redirects=False)


def test_a_password_changed_at_first_sign_in_survives_a_restart(tmp_path: Path) -> None:
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path) as server:
        idp = boto3.client("cognito-idp", endpoint_url=server.endpoint_url,
                           region_name="us-east-1", aws_access_key_id="testing",
                           aws_secret_access_key="testing")
        pool = idp.create_user_pool(PoolName="workers")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="portal")[
            "UserPoolClient"]["ClientId"]
        idp.create_group(UserPoolId=pool, GroupName="labelers")
        idp.admin_create_user(UserPoolId=pool, Username="ann", TemporaryPassword="Temp-pass-1")
        idp.admin_add_user_to_group(UserPoolId=pool, Username="ann", GroupName="labelers")
        sagemaker, s3 = clients(server.endpoint_url)
        team = sagemaker.create_workteam(
            WorkteamName="labelers", Description="d", MemberDefinitions=[{
                "CognitoMemberDefinition": {"UserPool": pool, "UserGroup": "labelers",
                                            "ClientId": client}}])["WorkteamArn"]
        create_job(sagemaker, upload_inputs(s3, 1), team, 1, job_name="served-job")
        browser = requests.Session()
        first = _session_post(browser, server.ui_url, "/signin",
                              {"user_name": "ann", "password": "Temp-pass-1"})
        assert first.headers["Location"].endswith("/signin/new-password")
        changed = _session_post(browser, server.ui_url, "/signin/new-password",
                                {"new_password": "Ann-new-pass-1",
                                 "confirm_password": "Ann-new-pass-1"},
                                page="/signin/new-password")
        assert changed.headers["Location"].endswith("/jobs")
        assert "served-job" in browser.get(server.ui_url + "/jobs").text
    with GtemuServer(port=0, ui_port=0, state_dir=tmp_path) as server:
        browser = requests.Session()  # a restart signed everyone out
        old = _session_post(browser, server.ui_url, "/signin",
                            {"user_name": "ann", "password": "Temp-pass-1"})
        assert old.status_code == 401
        new = _session_post(browser, server.ui_url, "/signin",
                            {"user_name": "ann", "password": "Ann-new-pass-1"})
        assert new.headers["Location"].endswith("/jobs")
        assert "served-job" in browser.get(server.ui_url + "/jobs").text
