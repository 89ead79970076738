"""Labeling-job operations through boto3 under mock_aws
(docs/api.md#rules-operation-by-operation)."""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import pytest

from emulator import clock

from .helpers import (
    ACCOUNT,
    ACS_MULTI,
    PRE_MULTI,
    PUBLIC_TEAM,
    REGION,
    create_team,
    error_of,
    human,
    job_request,
    without_metadata,
)

DESCRIBE_ORDER = [
    "LabelingJobStatus",
    "LabelCounters",
    "CreationTime",
    "LastModifiedTime",
    "JobReferenceCode",
    "LabelingJobName",
    "LabelingJobArn",
    "LabelAttributeName",
    "InputConfig",
    "OutputConfig",
    "RoleArn",
    "LabelCategoryConfigS3Uri",
    "HumanTaskConfig",
    "Tags",
]
ZERO_COUNTERS = {
    "TotalLabeled": 0,
    "HumanLabeled": 0,
    "MachineLabeled": 0,
    "FailedNonRetryableError": 0,
    "Unlabeled": 0,
}


def job_names(sm, **request) -> list[str]:
    return [
        job["LabelingJobName"] for job in sm.list_labeling_jobs(**request)["LabelingJobSummaryList"]
    ]


def later() -> None:
    """Move the emulator's virtual clock on, so creation times differ by whole seconds."""
    clock.get_clock().advance(10)


def test_create_and_describe_round_trip(sm, team_arn, inputs):
    request = job_request("Shapes-Job-1", team_arn, Tags=[{"Key": "project", "Value": "shapes"}])
    request["InputConfig"]["DataAttributes"] = {"ContentClassifiers": []}
    arn = sm.create_labeling_job(**request)["LabelingJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/shapes-job-1"

    described = without_metadata(sm.describe_labeling_job(LabelingJobName="shapes-job-1"))
    assert list(described) == DESCRIBE_ORDER
    assert described["LabelingJobStatus"] in ("Initializing", "InProgress")
    assert described["LabelCounters"].keys() == ZERO_COUNTERS.keys()
    assert re.fullmatch(rf"{ACCOUNT}[A-Za-z0-9]{{16}}", described["JobReferenceCode"])
    assert described["LabelingJobName"] == "Shapes-Job-1"
    assert described["LabelingJobArn"] == arn
    assert described["Tags"] == [{"Key": "project", "Value": "shapes"}]
    assert described["LastModifiedTime"] >= described["CreationTime"]
    # Everything given comes back unchanged, with the defaults of
    # docs/api.md#defaults-filled-at-creation filled.
    expected = copy.deepcopy(request)
    expected.pop("Tags")
    expected["OutputConfig"]["KmsKeyId"] = ""
    expected["HumanTaskConfig"]["MaxConcurrentTaskCount"] = 1000
    expected["HumanTaskConfig"]["TaskAvailabilityLifetimeInSeconds"] = 2_592_000
    for member, value in expected.items():
        assert described[member] == value, member


def test_given_optional_members_are_kept(sm, team_arn, inputs):
    request = job_request(
        "kept",
        team_arn,
        StoppingConditions={"MaxPercentageOfInputDatasetLabeled": 100},
        OutputConfig={"S3OutputPath": "s3://gt-inputs/output", "KmsKeyId": "alias/mine"},
    )
    request = human(
        request,
        TaskKeywords=["Images", "classification"],
        TaskAvailabilityLifetimeInSeconds=3600,
        MaxConcurrentTaskCount=7,
    )
    sm.create_labeling_job(**request)
    described = sm.describe_labeling_job(LabelingJobName="kept")
    assert described["StoppingConditions"] == {"MaxPercentageOfInputDatasetLabeled": 100}
    assert described["OutputConfig"]["KmsKeyId"] == "alias/mine"
    assert described["HumanTaskConfig"] == request["HumanTaskConfig"]


def test_public_team_defaults_to_a_six_hour_lifetime(sm, inputs):
    price = {"AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}}
    sm.create_labeling_job(
        **human(job_request("public", PUBLIC_TEAM), PublicWorkforceTaskPrice=price)
    )
    config = sm.describe_labeling_job(LabelingJobName="public")["HumanTaskConfig"]
    assert config["TaskAvailabilityLifetimeInSeconds"] == 21_600
    assert config["PublicWorkforceTaskPrice"] == price


def test_unknown_job(sm):
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/ghost-job"
    for call in (sm.describe_labeling_job, sm.stop_labeling_job):
        assert error_of(call, LabelingJobName="Ghost-Job") == (
            "ResourceNotFound",
            f"Could not find labeling job '{arn}'.",
        )


def test_stop_moves_the_job_to_stopping_then_stopped(sm, team_arn, inputs):
    sm.create_labeling_job(**job_request("stop-me", team_arn))
    assert without_metadata(sm.stop_labeling_job(LabelingJobName="STOP-ME")) == {}
    assert sm.describe_labeling_job(LabelingJobName="stop-me")["LabelingJobStatus"] == "Stopping"
    later()
    final = sm.describe_labeling_job(LabelingJobName="stop-me")
    assert final["LabelingJobStatus"] == "Stopped"
    assert final["LabelingJobOutput"] == {
        "OutputDatasetS3Uri": "s3://gt-inputs/output/stop-me/manifests/output/output.manifest",
        "FinalActiveLearningModelArn": "",
    }
    # Stopping a stopped job succeeds and changes nothing (docs/api.md#stoplabelingjob).
    sm.stop_labeling_job(LabelingJobName="stop-me")
    again = sm.describe_labeling_job(LabelingJobName="stop-me")
    assert again["LabelingJobStatus"] == "Stopped"
    assert again["LastModifiedTime"] == final["LastModifiedTime"]


# Semantic rules of docs/api.md#createlabelingjob-rules, each rejected with its own text and leaving
# nothing behind.

RULES = [
    (
        "S2",
        lambda r: {**r, "InputConfig": {"DataSource": {}}},
        "InputConfig.DataSource must specify S3DataSource or SnsDataSource.",
    ),
    (
        "S3-neither",
        lambda r: human(r, UiConfig={}),
        "UiConfig must specify exactly one of UiTemplateS3Uri or HumanTaskUiArn.",
    ),
    (
        "S3-both",
        lambda r: human(
            r,
            UiConfig={
                "UiTemplateS3Uri": "s3://gt-inputs/template.liquid.html",
                "HumanTaskUiArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:human-task-ui/x",
            },
        ),
        "UiConfig must specify exactly one of UiTemplateS3Uri or HumanTaskUiArn.",
    ),
    (
        "S6",
        lambda r: {**r, "LabelAttributeName": "shapes-metadata"},
        'LabelAttributeName cannot end with "-metadata".',
    ),
    (
        "S7",
        lambda r: {**r, "LabelAttributeName": "source-ref"},
        'LabelAttributeName cannot be "source" or "source-ref".',
    ),
    (
        "S7-source",
        lambda r: {**r, "LabelAttributeName": "source"},
        'LabelAttributeName cannot be "source" or "source-ref".',
    ),
    (
        "S8",
        lambda r: {**r, "LabelAttributeName": "shapes-ref"},
        'LabelAttributeName cannot end with "-ref" for this task type.',
    ),
    (
        "S9",
        lambda r: {key: value for key, value in r.items() if key != "LabelCategoryConfigS3Uri"},
        "LabelCategoryConfigS3Uri is required for task type ImageMultiClassMultiLabel.",
    ),
    (
        "S10",
        lambda r: human(r, TaskTimeLimitInSeconds=28_801),
        "TaskTimeLimitInSeconds must be less than or equal to 28800 for this task type.",
    ),
    (
        "S11-private",
        lambda r: human(r, TaskAvailabilityLifetimeInSeconds=2_592_001),
        "TaskAvailabilityLifetimeInSeconds must be less than or equal to 2592000 for this "
        "workforce.",
    ),
    (
        "S11-public",
        lambda r: human(
            r,
            WorkteamArn=PUBLIC_TEAM,
            TaskAvailabilityLifetimeInSeconds=43_201,
            PublicWorkforceTaskPrice={"AmountInUsd": {"Cents": 1}},
        ),
        "TaskAvailabilityLifetimeInSeconds must be less than or equal to 43200 for this workforce.",
    ),
    (
        "S12",
        lambda r: human(r, WorkteamArn=PUBLIC_TEAM),
        "PublicWorkforceTaskPrice is required when using the Amazon Mechanical Turk workforce.",
    ),
    (
        "S13",
        lambda r: human(
            r, PreHumanTaskLambdaArn=PRE_MULTI.replace("MultiClassMultiLabel", "MultiClass")
        ),
        "PreHumanTaskLambdaArn and AnnotationConsolidationLambdaArn must be for the same task "
        "type.",
    ),
    (
        "S14-unique",
        lambda r: {**r, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]},
        "Tag keys must be unique per resource.",
    ),
    (
        "S14-reserved",
        lambda r: {**r, "Tags": [{"Key": "aws:owner", "Value": "me"}]},
        'Tag keys beginning with "aws:" are reserved.',
    ),
]


@pytest.mark.parametrize(("rule", "change", "message"), RULES, ids=[rule[0] for rule in RULES])
def test_semantic_rule(sm, team_arn, rule, change, message):
    request = change(job_request("rejected", team_arn))
    assert error_of(sm.create_labeling_job, **request) == ("ValidationException", message)
    assert job_names(sm) == []
    assert error_of(sm.describe_labeling_job, LabelingJobName="rejected")[0] == "ResourceNotFound"


def test_duplicate_name_is_resource_in_use_case_insensitively(sm, team_arn):
    arn = sm.create_labeling_job(**job_request("First-Job", team_arn))["LabelingJobArn"]
    code, message = error_of(sm.create_labeling_job, **job_request("first-job", team_arn))
    assert code == "ResourceInUse"
    assert message == (
        "Labeling job names must be unique within an AWS account and region, and a labeling job "
        f"with this name already exists ({arn})."
    )
    assert job_names(sm) == ["First-Job"]


def test_unknown_work_team(sm, team_arn):
    ghost = team_arn.replace("labelers", "ghosts")
    code, message = error_of(
        sm.create_labeling_job, **human(job_request("j", team_arn), WorkteamArn=ghost)
    )
    assert code == "ValidationException"
    assert (
        message
        == f"The specified Workteam '{ghost}' does not exist or you do not have access to it."
    )


def test_human_task_ui_must_exist_unless_aws_owned(sm, team_arn):
    ours = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:human-task-ui/missing"
    request = human(job_request("j", team_arn), UiConfig={"HumanTaskUiArn": ours})
    assert error_of(sm.create_labeling_job, **request) == (
        "ResourceNotFound",
        f"Could not find human task UI '{ours}'.",
    )
    sm.create_human_task_ui(
        HumanTaskUiName="missing", UiTemplate={"Content": "<p>{{ task.input.x }}</p>"}
    )
    sm.create_labeling_job(**request)
    aws_owned = f"arn:aws:sagemaker:{REGION}:394669845002:human-task-ui/NamedEntityRecognition"
    sm.create_labeling_job(
        **human(job_request("j2", team_arn), UiConfig={"HumanTaskUiArn": aws_owned})
    )
    assert sorted(job_names(sm)) == ["j", "j2"]


def test_custom_lambdas_allow_any_attribute_name_but_metadata_and_source(sm, team_arn):
    custom_pre = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-pre"
    custom_acs = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-acs"
    request = human(
        job_request(
            "custom", team_arn, LabelCategoryConfigS3Uri=None, LabelAttributeName="answers"
        ),
        PreHumanTaskLambdaArn=custom_pre,
        AnnotationConsolidationConfig={"AnnotationConsolidationLambdaArn": custom_acs},
    )
    sm.create_labeling_job(**request)
    assert job_names(sm) == ["custom"]


def test_shape_violations_are_all_reported(raw_sm, team_arn):
    request = job_request("bad_name", team_arn, RoleArn="role")
    request = human(request, NumberOfHumanWorkersPerDataObject=0, TaskTitle=None)
    code, message = error_of(raw_sm.create_labeling_job, **request)
    assert code == "ValidationException"
    assert message == (
        "5 validation errors detected: "
        "Value 'bad_name' at 'labelingJobName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; "
        "Value 'role' at 'roleArn' failed to satisfy constraint: Member must have length greater "
        "than or equal to 20; "
        "Value 'role' at 'roleArn' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+; "
        "Value null at 'humanTaskConfig.taskTitle' failed to satisfy constraint: Member must not "
        "be null; "
        "Value '0' at 'humanTaskConfig.numberOfHumanWorkersPerDataObject' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1"
    )
    assert job_names(raw_sm) == []


# ListLabelingJobs


@pytest.fixture
def three_jobs(sm, team_arn, inputs):
    for name in ["bravo-job", "alpha-job", "charlie-job"]:
        sm.create_labeling_job(**job_request(name, team_arn))
        later()
    return ["bravo-job", "alpha-job", "charlie-job"]


def test_list_defaults_to_newest_first(sm, three_jobs):
    assert job_names(sm) == ["charlie-job", "alpha-job", "bravo-job"]
    summary = sm.list_labeling_jobs()["LabelingJobSummaryList"][0]
    assert list(summary) == [
        "LabelingJobName",
        "LabelingJobArn",
        "CreationTime",
        "LastModifiedTime",
        "LabelingJobStatus",
        "LabelCounters",
        "WorkteamArn",
        "PreHumanTaskLambdaArn",
        "AnnotationConsolidationLambdaArn",
        *(["FailureReason"] if summary["LabelingJobStatus"] == "Failed" else []),
        "InputConfig",
    ]
    assert summary["PreHumanTaskLambdaArn"] == PRE_MULTI
    assert summary["AnnotationConsolidationLambdaArn"] == ACS_MULTI


@pytest.mark.parametrize(
    ("sort_by", "order", "expected"),
    [
        ("Name", "Ascending", ["alpha-job", "bravo-job", "charlie-job"]),
        ("Name", "Descending", ["charlie-job", "bravo-job", "alpha-job"]),
        ("CreationTime", "Ascending", ["bravo-job", "alpha-job", "charlie-job"]),
        ("CreationTime", "Descending", ["charlie-job", "alpha-job", "bravo-job"]),
    ],
)
def test_list_sorts(sm, three_jobs, sort_by, order, expected):
    assert job_names(sm, SortBy=sort_by, SortOrder=order) == expected


def test_list_sorts_by_status_with_names_breaking_ties(sm, three_jobs):
    sm.stop_labeling_job(LabelingJobName="charlie-job")
    statuses = {
        job["LabelingJobName"]: job["LabelingJobStatus"]
        for job in sm.list_labeling_jobs()["LabelingJobSummaryList"]
    }
    expected = sorted(three_jobs, key=lambda name: (statuses[name], name))
    assert job_names(sm, SortBy="Status", SortOrder="Ascending") == expected


def test_list_filters(sm, three_jobs):
    # boto3 sends request timestamps in whole seconds (rounded down); jobs are 10 s apart.
    created = {
        job["LabelingJobName"]: job["CreationTime"]
        for job in sm.list_labeling_jobs()["LabelingJobSummaryList"]
    }
    second = timedelta(seconds=1)
    assert job_names(sm, NameContains="ALPHA") == ["alpha-job"]
    assert job_names(sm, CreationTimeAfter=created["bravo-job"] + second) == [
        "charlie-job",
        "alpha-job",
    ]
    assert job_names(sm, CreationTimeBefore=created["alpha-job"]) == ["bravo-job"]
    assert job_names(
        sm,
        CreationTimeAfter=created["bravo-job"] + second,
        CreationTimeBefore=created["charlie-job"],
    ) == ["alpha-job"]
    sm.stop_labeling_job(LabelingJobName="alpha-job")
    assert job_names(sm, StatusEquals="Stopping") == ["alpha-job"]
    assert job_names(sm, StatusEquals="InProgress") == ["charlie-job", "bravo-job"]
    modified = sm.describe_labeling_job(LabelingJobName="alpha-job")["LastModifiedTime"]
    later()
    assert "alpha-job" not in job_names(sm, LastModifiedTimeAfter=modified + second)
    assert "alpha-job" in job_names(sm, LastModifiedTimeAfter=modified - second)
    assert "alpha-job" not in job_names(sm, LastModifiedTimeBefore=modified - second)
    assert "alpha-job" in job_names(sm, LastModifiedTimeBefore=modified + second)


# ListLabelingJobsForWorkteam


def test_list_jobs_for_workteam(sm, team_arn):
    other = create_team(sm, "others")
    sm.create_labeling_job(**job_request("ours-1", team_arn))
    later()
    sm.create_labeling_job(**job_request("theirs", other))
    later()
    sm.create_labeling_job(
        **human(job_request("ours-2", team_arn), NumberOfHumanWorkersPerDataObject=3)
    )
    listed = sm.list_labeling_jobs_for_workteam(WorkteamArn=team_arn)["LabelingJobSummaryList"]
    assert [job["LabelingJobName"] for job in listed] == ["ours-1", "ours-2"]
    assert list(listed[1]) == [
        "LabelingJobName",
        "JobReferenceCode",
        "WorkRequesterAccountId",
        "CreationTime",
        "LabelCounters",
        "NumberOfHumanWorkersPerDataObject",
    ]
    assert listed[1]["WorkRequesterAccountId"] == ACCOUNT
    assert listed[1]["NumberOfHumanWorkersPerDataObject"] == 3
    assert set(listed[1]["LabelCounters"]) == {"HumanLabeled", "PendingHuman", "Total"}
    code = listed[0]["JobReferenceCode"]
    only = sm.list_labeling_jobs_for_workteam(
        WorkteamArn=team_arn, JobReferenceCodeContains=code[-6:]
    )
    assert [job["LabelingJobName"] for job in only["LabelingJobSummaryList"]] == ["ours-1"]
    newest = sm.list_labeling_jobs_for_workteam(
        WorkteamArn=team_arn, SortOrder="Descending", MaxResults=1
    )
    assert [job["LabelingJobName"] for job in newest["LabelingJobSummaryList"]] == ["ours-2"]
    assert newest["NextToken"]


def test_list_jobs_for_unknown_workteam(sm, team_arn):
    ghost = team_arn.replace("labelers", "ghosts")
    assert error_of(sm.list_labeling_jobs_for_workteam, WorkteamArn=ghost) == (
        "ResourceNotFound",
        f"Could not find work team '{ghost}'.",
    )


def test_configured_quotas_give_resource_limit_exceeded(sm, team_arn):
    from emulator.state import state_for

    workforce = state_for(ACCOUNT, REGION).workforce
    workforce.quotas.update({"labeling jobs": 1, "human task UIs": 1})
    sm.create_labeling_job(**job_request("only-job", team_arn))
    assert error_of(sm.create_labeling_job, **job_request("one-more", team_arn)) == (
        "ResourceLimitExceeded",
        "You have reached the limit of 1 labeling jobs in this account and region.",
    )
    sm.create_human_task_ui(HumanTaskUiName="only-ui", UiTemplate={"Content": "x"})
    assert error_of(
        sm.create_human_task_ui, HumanTaskUiName="one-more", UiTemplate={"Content": "x"}
    ) == (
        "ResourceLimitExceeded",
        "You have reached the limit of 1 human task UIs in this account and region.",
    )
    assert job_names(sm) == ["only-job"]
