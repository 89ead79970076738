"""Property-based tests of CreateLabelingJob: invalid requests leave nothing behind, valid ones
round-trip through DescribeLabelingJob unchanged."""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.model import Shape, StructureShape
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from emulator.validation import compiled_pattern, lower_camel, operation_model

from .helpers import job_request

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_names = itertools.count()


def scalar_members(
    shape: StructureShape, value: dict[str, Any], path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Shape]]:
    """Every scalar member present in `value`, with its path of member names and its shape."""
    found = []
    for name, member in shape.members.items():
        if name not in value:
            continue
        if isinstance(member, StructureShape):
            found += scalar_members(member, value[name], (*path, name))
        elif member.type_name in ("string", "integer"):
            found.append(((*path, name), member))
    return found


def breaking_values(shape: Shape) -> list[Any]:
    """Values that violate one of the shape's constraints."""
    metadata = shape.metadata
    if shape.type_name == "integer":
        values = []
        if "min" in metadata:
            values.append(metadata["min"] - 1)
        if "max" in metadata:
            values.append(metadata["max"] + 1)
        return values
    values = []
    if metadata.get("min", 0) > 0:
        values.append("")
    if "max" in metadata:
        values.append("a" * (metadata["max"] + 1))
    if shape.enum:
        values.append("NotOneOfThem")
    pattern = metadata.get("pattern")
    if pattern:
        values += [
            candidate
            for candidate in ("has space_and_underscore", "\x00", "arn:nope", "ünïcödé?")
            if not compiled_pattern(pattern).fullmatch(candidate)
        ]
    return values


CREATE = operation_model("CreateLabelingJob").input_shape


def valid_create_requests(team_arn: str) -> dict[str, dict[str, Any]]:
    """A valid request of each create operation, keyed by operation."""
    member = {
        "CognitoMemberDefinition": {"UserPool": "us-east-1_p", "UserGroup": "g", "ClientId": "c"}
    }
    return {
        "CreateLabelingJob": job_request(f"invalid-{next(_names)}", team_arn),
        "CreateWorkteam": {
            "WorkteamName": f"team-{next(_names)}",
            "MemberDefinitions": [member],
            "Description": "A team",
            "NotificationConfiguration": {
                "NotificationTopicArn": "arn:aws:sns:us-east-1:123456789012:topic"
            },
        },
        "CreateHumanTaskUi": {
            "HumanTaskUiName": f"ui-{next(_names)}",
            "UiTemplate": {"Content": "<p>{{ task.input.x }}</p>"},
        },
    }


@st.composite
def invalid_requests(draw: st.DrawFn, team_arn: str) -> tuple[str, dict[str, Any], str]:
    """(operation, a request breaking one constraint of one member, that member's path)."""
    operation, request = draw(st.sampled_from(sorted(valid_create_requests(team_arn).items())))
    shape = operation_model(operation).input_shape
    members = [
        (path, member) for path, member in scalar_members(shape, request) if breaking_values(member)
    ]
    path, member = draw(st.sampled_from(members))
    parent, parent_shape = request, shape
    for name in path[:-1]:
        parent, parent_shape = parent[name], parent_shape.members[name]
    if path[-1] in parent_shape.required_members and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(st.sampled_from(breaking_values(member)))
    return operation, request, ".".join(lower_camel(name) for name in path)


def everything(sm) -> tuple[list, list, list]:
    return (
        sm.list_labeling_jobs()["LabelingJobSummaryList"],
        sm.list_workteams()["Workteams"],
        sm.list_human_task_uis()["HumanTaskUiSummaries"],
    )


def test_random_invalid_requests_are_rejected_and_leave_nothing(raw_sm, team_arn):
    before = everything(raw_sm)

    @SETTINGS
    @given(case=invalid_requests(team_arn))
    def check(case: tuple[str, dict[str, Any], str]) -> None:
        operation, request, path = case
        call = getattr(raw_sm, xform_name(operation))
        try:
            call(**request)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ValidationException"
            message = error.response["Error"]["Message"]
            assert re.match(r"\d+ validation errors? detected: ", message)
            assert f"at '{path}' failed to satisfy constraint" in message
        else:
            raise AssertionError(f"{operation} accepted an invalid request: {request}")
        assert everything(raw_sm) == before

    check()


NAME = st.from_regex(r"[a-zA-Z0-9](-{0,2}[a-zA-Z0-9]){0,20}", fullmatch=True)
KEYWORD = st.from_regex(r"[A-Za-z0-9]{1,10}( [A-Za-z0-9]{1,8}){0,1}", fullmatch=True)
TITLE = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0xD7FF), min_size=1, max_size=128
)
TAG_TEXT = st.from_regex(r"[\w .:/=+\-@]{0,40}", fullmatch=True)


def _single_line(text: str) -> bool:
    # The model's `.+` is a Java pattern: `.` matches no line terminator.
    return not any(char in text for char in "\n\r\u0085\u2028\u2029")


@st.composite
def valid_requests(draw: st.DrawFn, team_arn: str) -> dict[str, Any]:
    attribute = draw(NAME)
    assume(not attribute.endswith(("-metadata", "-ref")) and attribute not in ("source",))
    request = job_request(
        f"{draw(NAME)[:50]}-{next(_names)}", team_arn, LabelAttributeName=attribute
    )
    config = request["HumanTaskConfig"]
    config.update(
        TaskTitle=draw(TITLE),
        TaskDescription=draw(st.text(min_size=1, max_size=255).filter(_single_line)),
        NumberOfHumanWorkersPerDataObject=draw(st.integers(1, 9)),
        TaskTimeLimitInSeconds=draw(st.integers(30, 28_800)),
    )
    if draw(st.booleans()):
        config["TaskKeywords"] = draw(st.lists(KEYWORD, min_size=1, max_size=5))
    if draw(st.booleans()):
        config["TaskAvailabilityLifetimeInSeconds"] = draw(st.integers(60, 2_592_000))
    if draw(st.booleans()):
        config["MaxConcurrentTaskCount"] = draw(st.integers(1, 5000))
    if draw(st.booleans()):
        request["StoppingConditions"] = {
            "MaxHumanLabeledObjectCount": draw(st.integers(1, 10_000)),
            "MaxPercentageOfInputDatasetLabeled": draw(st.integers(1, 100)),
        }
    keys = draw(
        st.lists(
            TAG_TEXT.filter(lambda k: k and not k.lower().startswith("aws:")),
            max_size=4,
            unique=True,
        )
    )
    request["Tags"] = [{"Key": key, "Value": draw(TAG_TEXT)} for key in keys]
    return request


def test_random_valid_requests_round_trip_through_describe(sm, team_arn):
    @SETTINGS
    @given(request=valid_requests(team_arn))
    def check(request: dict[str, Any]) -> None:
        arn = sm.create_labeling_job(**request)["LabelingJobArn"]
        described = sm.describe_labeling_job(LabelingJobName=request["LabelingJobName"])
        assert described["LabelingJobArn"] == arn
        expected = copy.deepcopy(request)
        expected["OutputConfig"]["KmsKeyId"] = ""
        expected["HumanTaskConfig"].setdefault("MaxConcurrentTaskCount", 1000)
        expected["HumanTaskConfig"].setdefault("TaskAvailabilityLifetimeInSeconds", 2_592_000)
        for member, value in expected.items():
            assert described[member] == value, member

    check()


TEAM_NAME = st.from_regex(r"[a-zA-Z0-9](-{0,2}[a-zA-Z0-9]){0,20}", fullmatch=True)
GROUP = st.from_regex(r"[\w+=,.@-]{1,40}", fullmatch=True)


@st.composite
def valid_teams(draw: st.DrawFn) -> dict[str, Any]:
    groups = draw(st.lists(GROUP, min_size=1, max_size=10))
    request: dict[str, Any] = {
        "WorkteamName": f"{draw(TEAM_NAME)}-{next(_names)}",
        "MemberDefinitions": [
            {
                "CognitoMemberDefinition": {
                    "UserPool": "us-east-1_gtemuPool",
                    "UserGroup": group,
                    "ClientId": "gtemuclient",
                }
            }
            for group in groups
        ],
        "Description": draw(st.text(min_size=1, max_size=200).filter(_single_line)),
    }
    if draw(st.booleans()):
        request["NotificationConfiguration"] = {
            "NotificationTopicArn": f"arn:aws:sns:us-east-1:123456789012:{draw(TEAM_NAME)}"
        }
    if draw(st.booleans()):
        constraints = {
            "SourceIp": draw(st.sampled_from(["Enabled", "Disabled"])),
            "VpcSourceIp": draw(st.sampled_from(["Enabled", "Disabled"])),
        }
        request["WorkerAccessConfiguration"] = {"S3Presign": {"IamPolicyConstraints": constraints}}
    return request


def test_random_valid_work_teams_round_trip_through_describe(sm):
    @SETTINGS
    @given(request=valid_teams())
    def check(request: dict[str, Any]) -> None:
        arn = sm.create_workteam(**request)["WorkteamArn"]
        team = sm.describe_workteam(WorkteamName=request["WorkteamName"])["Workteam"]
        assert team["WorkteamArn"] == arn
        for member, value in request.items():
            assert team[member] == value, member
        sm.delete_workteam(WorkteamName=request["WorkteamName"])

    check()
