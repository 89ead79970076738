"""Workers who sign in: the members of a private work team are the users of its Cognito group.

A private work team names a Cognito user pool, app client and user group in its
`CognitoMemberDefinition`. gtemu asks moto's own `cognito-idp` (through the AWS endpoint, with
boto3, so that every change — a first sign-in's new password, the tokens Cognito hands out — is
journaled like any other AWS call):

* who is in the group (`ListUsersInGroup`) — the team's members;
* whether a user name and password are right (`AdminInitiateAuth`, `ADMIN_USER_PASSWORD_AUTH`),
  and, for a user created with a temporary password, the new password Cognito requires on first
  sign-in (`AdminRespondToAuthChallenge`, `NEW_PASSWORD_REQUIRED`);
* which groups the signed-in user belongs to (`AdminListGroupsForUser`).

A team whose group has no users (or whose pool moto does not hold, as with made-up pool ids in
scripts) admits workers by name only, as a local convenience that the sign-in page announces;
`gtemu serve --strict-sign-in` turns that off.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app, g

_CLIENTS = "gtemu.cognito-clients"
_NOT_THERE = ("ResourceNotFoundException", "UserNotFoundException")


class SignInRefused(Exception):
    """Cognito refused the user name, password or new password; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CognitoGroup:
    """Where a private team's members are: one group of one user pool and app client."""

    account: str
    region: str
    user_pool: str
    client_id: str
    group: str

    @property
    def pool_key(self) -> tuple[str, str, str]:
        return (self.account, self.region, self.user_pool)


@dataclass(frozen=True)
class NewPasswordRequired:
    """Cognito wants a new password before it signs the user in (a temporary password)."""

    group: CognitoGroup
    user_name: str
    session: str


def group_of(team: Any, account: str, region: str) -> CognitoGroup | None:
    """The Cognito group a team's members come from, if it names one."""
    for definition in getattr(team, "member_definitions", None) or []:
        cognito = definition.get("CognitoMemberDefinition")
        if cognito and cognito.get("UserGroup"):
            return CognitoGroup(account, region, cognito["UserPool"], cognito["ClientId"],
                                cognito["UserGroup"])
    return None


def strict() -> bool:
    return bool(current_app.config.get("STRICT_SIGN_IN"))


def _client(account: str, region: str) -> Any:
    clients: dict[tuple[str, str], Any] = current_app.extensions.setdefault(_CLIENTS, {})
    lock: threading.Lock = current_app.extensions.setdefault(_CLIENTS + ".lock",
                                                             threading.Lock())
    with lock:
        client = clients.get((account, region))
        if client is None:
            client = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing",
                region_name=region,
            ).client("cognito-idp", endpoint_url=current_app.config.get("AWS_ENDPOINT_URL"),
                     config=Config(retries={"max_attempts": 1}))

            def in_account(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = account  # moto's header for the account

            client.meta.events.register("before-sign.cognito-idp.*", in_account)
            clients[(account, region)] = client
    return client


def members(group: CognitoGroup) -> set[str] | None:
    """The user names in the group; None if moto holds no such pool or group (cached for the
    request)."""
    cache: dict[CognitoGroup, set[str] | None] = g.setdefault("gtemu_cognito_members", {})
    if group in cache:
        return cache[group]
    found: set[str] | None = set()
    try:
        pages = _client(group.account, group.region).get_paginator("list_users_in_group")
        for page in pages.paginate(UserPoolId=group.user_pool, GroupName=group.group):
            found |= {user["Username"] for user in page["Users"]}  # type: ignore[operator]
    except ClientError as error:
        if error.response["Error"]["Code"] not in _NOT_THERE:
            raise
        found = None
    except BotoCoreError:
        found = None
    cache[group] = found
    return found


def groups_of_user(pool: tuple[str, str, str], user_name: str) -> set[str]:
    """The groups a user of a pool belongs to (cached for the request)."""
    cache: dict[tuple[Any, ...], set[str]] = g.setdefault("gtemu_cognito_groups", {})
    key = (*pool, user_name)
    if key not in cache:
        account, region, user_pool = pool
        try:
            pages = _client(account, region).get_paginator("admin_list_groups_for_user")
            cache[key] = {group["GroupName"] for page in pages.paginate(
                UserPoolId=user_pool, Username=user_name) for group in page["Groups"]}
        except ClientError:
            cache[key] = set()
    return cache[key]


def sign_in(groups: list[CognitoGroup], user_name: str, password: str) -> (
        CognitoGroup | NewPasswordRequired):
    """Check a user name and password against the pools of these groups; the group whose
    pool signed the user in, or the new-password challenge. SignInRefused otherwise."""
    tried: set[tuple[str, str, str, str]] = set()
    for group in groups:
        key = (*group.pool_key, group.client_id)
        if key in tried:
            continue
        tried.add(key)
        try:
            answer = _client(group.account, group.region).admin_initiate_auth(
                UserPoolId=group.user_pool, ClientId=group.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user_name, "PASSWORD": password})
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in _NOT_THERE:
                continue
            if code == "NotAuthorizedException":
                raise SignInRefused("Incorrect username or password.") from None
            raise SignInRefused(error.response["Error"].get("Message") or code) from None
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            return NewPasswordRequired(group, user_name, answer["Session"])
        if "AuthenticationResult" in answer:
            return group
        raise SignInRefused(f"Cognito asks for {answer.get('ChallengeName')}, which gtemu's "
                            "portal does not offer.")
    raise SignInRefused("Incorrect username or password.")


def set_new_password(pending: NewPasswordRequired, new_password: str) -> CognitoGroup:
    """Answer Cognito's NEW_PASSWORD_REQUIRED; SignInRefused with Cognito's message (e.g. the
    pool's password policy) if it refuses."""
    group = pending.group
    try:
        answer = _client(group.account, group.region).admin_respond_to_auth_challenge(
            UserPoolId=group.user_pool, ClientId=group.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED", Session=pending.session,
            ChallengeResponses={"USERNAME": pending.user_name, "NEW_PASSWORD": new_password})
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "ResourceNotFoundException":
            raise SignInRefused("This sign-in has expired; sign in again.") from None
        message = error.response["Error"].get("Message") or code
        if code == "InvalidPasswordException" and message == code:
            message = "The new password does not satisfy the user pool's password policy."
        raise SignInRefused(message) from None
    if "AuthenticationResult" not in answer:
        raise SignInRefused(f"Cognito asks for {answer.get('ChallengeName')}, which gtemu's "
                            "portal does not offer.")
    return group
