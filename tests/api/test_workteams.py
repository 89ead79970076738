"""Work teams and workforces through boto3 under mock_aws (docs/api.md#work-teams,
docs/api.md#workforces)."""

from __future__ import annotations

import boto3
import pytest

from .helpers import ACCOUNT, REGION, create_team, error_of, without_metadata

COGNITO = {
    "CognitoMemberDefinition": {
        "UserPool": "us-east-1_gtemuPool",
        "UserGroup": "labelers",
        "ClientId": "gtemuclient",
    }
}
OIDC_CONFIG = {
    "ClientId": "client",
    "ClientSecret": "secret",
    "Issuer": "https://issuer.example.com",
    "AuthorizationEndpoint": "https://issuer.example.com/authorize",
    "TokenEndpoint": "https://issuer.example.com/token",
    "UserInfoEndpoint": "https://issuer.example.com/userinfo",
    "LogoutEndpoint": "https://issuer.example.com/logout",
    "JwksUri": "https://issuer.example.com/jwks",
}


def test_create_and_describe_a_work_team(sm):
    arn = sm.create_workteam(
        WorkteamName="labelers",
        MemberDefinitions=[COGNITO],
        Description="Our labelers",
        NotificationConfiguration={
            "NotificationTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:labeling"
        },
    )["WorkteamArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/labelers"
    team = sm.describe_workteam(WorkteamName="labelers")["Workteam"]
    assert list(team) == [
        "WorkteamName",
        "MemberDefinitions",
        "WorkteamArn",
        "WorkforceArn",
        "Description",
        "SubDomain",
        "CreateDate",
        "LastUpdatedDate",
        "NotificationConfiguration",
    ]
    assert team["MemberDefinitions"] == [COGNITO]
    assert team["WorkforceArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workforce/default"
    assert team["SubDomain"].endswith(f".labeling.{REGION}.sagemaker.aws")
    assert len(team["SubDomain"].split(".")[0]) == 10
    # The first Cognito team attaches its pool to the workforce.
    workforce = sm.describe_workforce(WorkforceName="default")["Workforce"]
    assert workforce["CognitoConfig"] == {
        "UserPool": "us-east-1_gtemuPool",
        "ClientId": "gtemuclient",
    }
    assert workforce["SubDomain"] == team["SubDomain"]


def test_duplicate_team_name_is_resource_in_use(sm, team_arn):
    code, message = error_of(create_team, sm, "labelers")
    assert (code, message) == ("ResourceInUse", "Work team with name labelers already exists.")


def test_26th_team_exceeds_the_limit_and_changes_nothing(sm):
    for index in range(25):
        create_team(sm, f"team-{index}")
    code, message = error_of(create_team, sm, "team-25")
    assert code == "ResourceLimitExceeded"
    assert message == "You have reached the limit of 25 work teams in this account and region."
    names = [
        team["WorkteamName"]
        for page in sm.get_paginator("list_workteams").paginate()
        for team in page["Workteams"]
    ]
    assert len(names) == 25 and "team-25" not in names


@pytest.mark.parametrize("operation", ["describe_workteam", "delete_workteam"])
def test_unknown_team_is_a_validation_error_starting_with_the_work_team(sm, operation):
    code, message = error_of(getattr(sm, operation), WorkteamName="ghost")
    assert (code, message) == ("ValidationException", "The work team 'ghost' does not exist.")


def test_update_replaces_given_members_only(sm, team_arn):
    before = sm.describe_workteam(WorkteamName="labelers")["Workteam"]
    updated = sm.update_workteam(WorkteamName="labelers", Description="Renamed")["Workteam"]
    assert updated["Description"] == "Renamed"
    assert updated["MemberDefinitions"] == before["MemberDefinitions"]
    assert updated["LastUpdatedDate"] >= before["LastUpdatedDate"]
    assert sm.describe_workteam(WorkteamName="labelers")["Workteam"] == updated


def test_delete_team(sm, team_arn):
    assert sm.delete_workteam(WorkteamName="labelers")["Success"] is True
    assert sm.list_workteams()["Workteams"] == []


def test_cognito_definitions_must_share_pool_and_client(sm):
    other = {"CognitoMemberDefinition": {**COGNITO["CognitoMemberDefinition"], "ClientId": "x"}}
    code, message = error_of(
        sm.create_workteam,
        WorkteamName="mixed",
        MemberDefinitions=[COGNITO, other],
        Description="d",
    )
    assert code == "ValidationException"
    assert (
        message == "All CognitoMemberDefinition objects must have the same UserPool and ClientId."
    )


def test_cognito_and_oidc_definitions_do_not_mix(sm):
    code, message = error_of(
        sm.create_workteam,
        WorkteamName="mixed",
        MemberDefinitions=[COGNITO, {"OidcMemberDefinition": {"Groups": ["g"]}}],
        Description="d",
    )
    assert (code, message) == (
        "ValidationException",
        "Do not mix CognitoMemberDefinition and OidcMemberDefinition.",
    )


def test_list_workteams_filters_sorts_and_pages(sm):
    for name in ["bravo", "alpha", "charlie", "alpha-two"]:
        create_team(sm, name)
    listed = sm.list_workteams(SortBy="Name", SortOrder="Descending", NameContains="ALPHA")
    assert [team["WorkteamName"] for team in listed["Workteams"]] == ["alpha-two", "alpha"]
    by_date = sm.list_workteams()["Workteams"]
    assert [team["WorkteamName"] for team in by_date] == ["bravo", "alpha", "charlie", "alpha-two"]
    first = sm.list_workteams(SortBy="Name", MaxResults=3)
    assert [team["WorkteamName"] for team in first["Workteams"]] == ["alpha", "alpha-two", "bravo"]
    second = sm.list_workteams(SortBy="Name", MaxResults=3, NextToken=first["NextToken"])
    assert [team["WorkteamName"] for team in second["Workteams"]] == ["charlie"]
    assert "NextToken" not in second


def test_default_workforce_exists_in_every_region(aws):
    for region in ("us-east-1", "eu-west-1"):
        sm = boto3.client("sagemaker", region_name=region)
        workforce = sm.describe_workforce(WorkforceName="default")["Workforce"]
        assert (
            workforce["WorkforceArn"] == f"arn:aws:sagemaker:{region}:{ACCOUNT}:workforce/default"
        )
        assert workforce["Status"] == "Active"
        assert workforce["SourceIpConfig"] == {"Cidrs": []}
        assert workforce["IpAddressType"] == "ipv4"
        assert list(workforce) == [
            "WorkforceName",
            "WorkforceArn",
            "LastUpdatedDate",
            "SourceIpConfig",
            "SubDomain",
            "CreateDate",
            "Status",
            "IpAddressType",
        ]


def test_create_workforce_replaces_the_implicit_default_and_hides_the_secret(sm):
    arn = sm.create_workforce(WorkforceName="oidc-crowd", OidcConfig=OIDC_CONFIG)["WorkforceArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workforce/oidc-crowd"
    workforce = sm.describe_workforce(WorkforceName="oidc-crowd")["Workforce"]
    expected = {key: value for key, value in OIDC_CONFIG.items() if key != "ClientSecret"}
    assert workforce["OidcConfig"] == expected
    assert [wf["WorkforceName"] for wf in sm.list_workforces()["Workforces"]] == ["oidc-crowd"]
    code, message = error_of(sm.describe_workforce, WorkforceName="default")
    assert (code, message) == ("ValidationException", "No workforce found with name 'default'.")
    team = sm.create_workteam(
        WorkteamName="oidc-team",
        MemberDefinitions=[{"OidcMemberDefinition": {"Groups": ["labelers"]}}],
        Description="d",
        WorkforceName="oidc-crowd",
    )
    assert team["WorkteamArn"].endswith("workteam/private-crowd/oidc-team")


def test_second_workforce_is_rejected(sm):
    sm.create_workforce(
        WorkforceName="first", CognitoConfig={"UserPool": "us-east-1_p", "ClientId": "c"}
    )
    code, message = error_of(sm.create_workforce, WorkforceName="second", OidcConfig=OIDC_CONFIG)
    assert code == "ValidationException"
    assert message == (
        "A workforce already exists in this account and region. "
        "Delete it before creating a new one."
    )


def test_workforce_with_teams_cannot_be_deleted_nor_change_oidc(sm, team_arn):
    code, message = error_of(sm.delete_workforce, WorkforceName="default")
    assert (code, message) == (
        "ResourceInUse",
        "The workforce default has one or more work teams. Delete the work teams before "
        "deleting the workforce.",
    )
    code, message = error_of(sm.update_workforce, WorkforceName="default", OidcConfig=OIDC_CONFIG)
    assert (code, message) == (
        "ConflictException",
        "You can only update the OIDC configuration of a workforce that has no work teams.",
    )


def test_update_and_delete_workforce(sm):
    updated = sm.update_workforce(
        WorkforceName="default",
        SourceIpConfig={"Cidrs": ["10.0.0.0/16"]},
        IpAddressType="dualstack",
    )["Workforce"]
    assert updated["SourceIpConfig"] == {"Cidrs": ["10.0.0.0/16"]}
    assert updated["IpAddressType"] == "dualstack"
    assert without_metadata(sm.delete_workforce(WorkforceName="default")) == {}
    assert sm.list_workforces()["Workforces"] == []
    code, _ = error_of(sm.update_workforce, WorkforceName="default", IpAddressType="ipv4")
    assert code == "ValidationException"


def test_workforce_state_is_per_region(aws):
    east = boto3.client("sagemaker", region_name="us-east-1")
    west = boto3.client("sagemaker", region_name="us-west-2")
    create_team(east, "only-east")
    assert west.list_workteams()["Workteams"] == []
    code, _ = error_of(west.describe_workteam, WorkteamName="only-east")
    assert code == "ValidationException"
