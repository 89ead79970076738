"""AddTags, ListTags and DeleteTags on Ground Truth resources (docs/api.md#tags)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from .helpers import ACCOUNT, REGION, ROLE, create_team, error_of, job_request, without_metadata


@pytest.fixture
def resources(sm, team_arn):
    job = sm.create_labeling_job(**job_request("Tagged-Job", team_arn))["LabelingJobArn"]
    ui = sm.create_human_task_ui(HumanTaskUiName="tagged", UiTemplate={"Content": "<p>x</p>"})
    workforce = sm.describe_workforce(WorkforceName="default")["Workforce"]["WorkforceArn"]
    return {
        "labeling-job": job,
        "workteam": team_arn,
        "human-task-ui": ui["HumanTaskUiArn"],
        "workforce": workforce,
    }


@pytest.mark.parametrize("kind", ["labeling-job", "workteam", "human-task-ui", "workforce"])
def test_add_list_delete(sm, resources, kind):
    arn = resources[kind]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []
    added = sm.add_tags(
        ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    )
    assert added["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    # Adding an existing key overwrites it in place.
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "one"}, {"Key": "c", "Value": ""}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "a", "Value": "one"},
        {"Key": "b", "Value": "2"},
        {"Key": "c", "Value": ""},
    ]
    assert without_metadata(sm.delete_tags(ResourceArn=arn, TagKeys=["b", "absent"])) == {}
    assert [tag["Key"] for tag in sm.list_tags(ResourceArn=arn)["Tags"]] == ["a", "c"]


def test_tags_given_at_creation_and_seen_by_describe(sm, team_arn):
    tags = [{"Key": "project", "Value": "shapes"}]
    job = sm.create_labeling_job(**job_request("job", team_arn, Tags=tags))["LabelingJobArn"]
    team = create_team(sm, "tagged-team", Tags=tags)
    ui = sm.create_human_task_ui(HumanTaskUiName="ui", UiTemplate={"Content": "x"}, Tags=tags)
    for arn in (job, team, ui["HumanTaskUiArn"]):
        assert sm.list_tags(ResourceArn=arn)["Tags"] == tags
    sm.add_tags(ResourceArn=job, Tags=[{"Key": "stage", "Value": "dev"}])
    sm.delete_tags(ResourceArn=job, TagKeys=["project"])
    assert sm.describe_labeling_job(LabelingJobName="job")["Tags"] == [
        {"Key": "stage", "Value": "dev"}
    ]


def test_unknown_resources(sm, resources):
    base = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
    cases = {
        f"{base}:labeling-job/ghost": "Could not find labeling-job with name ghost",
        f"{base}:workteam/private-crowd/ghost": "Could not find workteam with name ghost",
        f"{base}:human-task-ui/ghost": "Could not find human-task-ui with name ghost",
        f"{base}:workforce/ghost": "Could not find workforce with name ghost",
    }
    for arn, message in cases.items():
        assert error_of(sm.list_tags, ResourceArn=arn) == ("ValidationException", message)
        assert error_of(sm.add_tags, ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}]) == (
            "ValidationException",
            message,
        )
        assert error_of(sm.delete_tags, ResourceArn=arn, TagKeys=["k"]) == (
            "ValidationException",
            message,
        )


def test_at_most_50_tags_and_nothing_changes_beyond(sm, resources):
    arn = resources["workteam"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(45)])
    code, message = error_of(
        sm.add_tags, ResourceArn=arn, Tags=[{"Key": f"n{i}", "Value": "v"} for i in range(6)]
    )
    assert (code, message) == ("ValidationException", "A resource can have at most 50 tags.")
    assert len(sm.list_tags(ResourceArn=arn)["Tags"]) == 45


def test_reserved_and_duplicate_keys(sm, resources):
    arn = resources["human-task-ui"]
    assert error_of(sm.add_tags, ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "v"}]) == (
        "ValidationException",
        'Tag keys beginning with "aws:" are reserved.',
    )
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []


def test_list_tags_paginator(sm, resources):
    arn = resources["labeling-job"]
    tags = [{"Key": f"key-{i:02d}", "Value": str(i)} for i in range(50)]
    sm.add_tags(ResourceArn=arn, Tags=tags)
    pages = list(sm.get_paginator("list_tags").paginate(ResourceArn=arn))
    assert [tag for page in pages for tag in page["Tags"]] == tags
    assert "NextToken" not in pages[-1]


def test_moto_resources_keep_moto_tagging(sm):
    arn = sm.create_model(
        ModelName="my-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:latest"},
    )["ModelArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "me"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "owner", "Value": "me"}]


def test_state_is_reset_when_mock_aws_ends():
    with mock_aws():
        sm = boto3.client("sagemaker", region_name=REGION)
        create_team(sm, "short-lived")
        sm.create_human_task_ui(HumanTaskUiName="short-lived", UiTemplate={"Content": "x"})
    with mock_aws():
        sm = boto3.client("sagemaker", region_name=REGION)
        assert sm.list_workteams()["Workteams"] == []
        assert sm.list_human_task_uis()["HumanTaskUiSummaries"] == []


def test_tag_requests_are_validated_before_routing(raw_sm):
    assert error_of(raw_sm.add_tags, Tags=[{"Key": "k", "Value": "v"}]) == (
        "ValidationException",
        "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: "
        "Member must not be null",
    )
