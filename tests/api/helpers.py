"""Constants and helpers of the SageMaker API tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/GroundTruthRole"
BUCKET = "gt-inputs"
PRE_MULTI = "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClassMultiLabel"
ACS_MULTI = "arn:aws:lambda:us-east-1:432418664414:function:ACS-ImageMultiClassMultiLabel"
PUBLIC_TEAM = f"arn:aws:sagemaker:{REGION}:394669845002:workteam/public-crowd/default"


def create_team(sm: BaseClient, name: str, **extra: Any) -> str:
    member = {
        "CognitoMemberDefinition": {
            "UserPool": "us-east-1_gtemuPool",
            "UserGroup": "labelers",
            "ClientId": "gtemuclient",
        }
    }
    return sm.create_workteam(
        WorkteamName=name, MemberDefinitions=[member], Description="Our labelers", **extra
    )["WorkteamArn"]


def job_request(name: str, team_arn: str, **overrides: Any) -> dict[str, Any]:
    """A valid CreateLabelingJob request for a multi-label image job; `overrides` replace
    top-level members (a `None` value removes the member)."""
    request: dict[str, Any] = {
        "LabelingJobName": name,
        "LabelAttributeName": "shapes",
        "InputConfig": {
            "DataSource": {"S3DataSource": {"ManifestS3Uri": f"s3://{BUCKET}/input.manifest"}}
        },
        "OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/output"},
        "RoleArn": ROLE,
        "LabelCategoryConfigS3Uri": f"s3://{BUCKET}/labels.json",
        "HumanTaskConfig": {
            "WorkteamArn": team_arn,
            "UiConfig": {"UiTemplateS3Uri": f"s3://{BUCKET}/template.liquid.html"},
            "PreHumanTaskLambdaArn": PRE_MULTI,
            "TaskTitle": "Shapes and colours",
            "TaskDescription": "Select every label that applies",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": ACS_MULTI},
        },
    }
    for key, value in overrides.items():
        if value is None:
            request.pop(key, None)
        else:
            request[key] = value
    return request


def human(request: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of `request` with members of `HumanTaskConfig` changed (`None` removes)."""
    request = copy.deepcopy(request)
    for key, value in changes.items():
        if value is None:
            request["HumanTaskConfig"].pop(key, None)
        else:
            request["HumanTaskConfig"][key] = value
    return request


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """(code, message) of the `ClientError` that `call` raises."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    response = dict(response)
    response.pop("ResponseMetadata", None)
    return response
