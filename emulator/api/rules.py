"""Semantic rules of the Ground Truth operations (docs/api.md#rules-operation-by-operation).

They run after the shape validation of `emulator.validation` and check what the service
model cannot say. Each rule raises the AWS error the docs give it; the first failing rule wins.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emulator.errors import (
    ResourceInUse,
    ValidationException,
    human_task_ui_not_found,
    unknown_workteam_for_job,
)

if TYPE_CHECKING:
    from emulator.state import GroundTruthState

# The task-type catalogue (numpy, Pillow, the estimators) is imported by the rules that use it:
# `import emulator` registers these operations and must stay cheap (docs/interfaces.md#startup).

MAX_TASK_TIME_LIMIT = 28_800
MAX_LIFETIME_PUBLIC = 43_200
MAX_LIFETIME_PRIVATE = 2_592_000


def built_in_task_type(lambda_arn: str | None) -> str | None:
    """The task type of a built-in PRE-/ACS- Lambda ARN
    (docs/tasktypes.md#how-a-jobs-type-is-found), else `None`."""
    from emulator import tasktypes  # deferred, see the note above

    builtin = tasktypes.parse_builtin(lambda_arn)
    return None if builtin is None else builtin.task_type


def task_type_of(request: dict[str, Any]) -> str:
    """docs/tasktypes.md#how-a-jobs-type-is-found (3): the type of the ACS ARN, else of the PRE ARN,
    else `Custom`."""
    from emulator import tasktypes  # deferred, see the note above

    human = request["HumanTaskConfig"]
    acs = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn")
    return tasktypes.task_type_name(human.get("PreHumanTaskLambdaArn"), acs)


def check_create_labeling_job(request: dict[str, Any], state: GroundTruthState) -> None:
    """Rules S1-S15 of docs/api.md#createlabelingjob-rules, in order."""
    from emulator import tasktypes  # deferred, see the note above

    name = request["LabelingJobName"]
    existing = state.jobs.find_job(name)
    if existing is not None:
        raise ResourceInUse(
            "Labeling job names must be unique within an AWS account and region, and a labeling "
            f"job with this name already exists ({existing.arn})."
        )
    data_source = request["InputConfig"]["DataSource"]
    if not data_source.get("S3DataSource") and not data_source.get("SnsDataSource"):
        raise ValidationException(
            "InputConfig.DataSource must specify S3DataSource or SnsDataSource."
        )
    human = request["HumanTaskConfig"]
    ui_config = human["UiConfig"]
    has_template, has_ui = "UiTemplateS3Uri" in ui_config, "HumanTaskUiArn" in ui_config
    if has_template == has_ui:
        raise ValidationException(
            "UiConfig must specify exactly one of UiTemplateS3Uri or HumanTaskUiArn."
        )
    if has_ui:
        ui_arn = ui_config["HumanTaskUiArn"]
        workforce = state.workforce
        if workforce.get_human_task_ui(ui_arn) is None and not workforce.is_aws_owned_human_task_ui(
            ui_arn
        ):
            raise human_task_ui_not_found(ui_arn)
    team_arn = human["WorkteamArn"]
    if state.workforce.get_team(team_arn) is None:
        raise unknown_workteam_for_job(team_arn)
    task_type = task_type_of(request)
    _check_label_attribute_name(request["LabelAttributeName"], task_type)
    if tasktypes.needs_label_file(task_type) and not request.get("LabelCategoryConfigS3Uri"):
        raise ValidationException(
            f"LabelCategoryConfigS3Uri is required for task type {task_type}."
        )
    if (
        tasktypes.has_short_task_time_limit(task_type)
        and human["TaskTimeLimitInSeconds"] > MAX_TASK_TIME_LIMIT
    ):
        raise ValidationException(
            f"TaskTimeLimitInSeconds must be less than or equal to {MAX_TASK_TIME_LIMIT} for this "
            "task type."
        )
    public = state.workforce.is_public_team(team_arn)
    lifetime = human.get("TaskAvailabilityLifetimeInSeconds")
    max_lifetime = MAX_LIFETIME_PUBLIC if public else MAX_LIFETIME_PRIVATE
    if lifetime is not None and lifetime > max_lifetime:
        raise ValidationException(
            "TaskAvailabilityLifetimeInSeconds must be less than or equal to "
            f"{max_lifetime} for this workforce."
        )
    if public and not human.get("PublicWorkforceTaskPrice"):
        raise ValidationException(
            "PublicWorkforceTaskPrice is required when using the Amazon Mechanical Turk workforce."
        )
    acs = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn")
    pre_type, acs_type = (
        built_in_task_type(human.get("PreHumanTaskLambdaArn")),
        built_in_task_type(acs),
    )
    if pre_type and acs_type and pre_type != acs_type:
        raise ValidationException(
            "PreHumanTaskLambdaArn and AnnotationConsolidationLambdaArn must be for the same task "
            "type."
        )
    check_tags(request.get("Tags"))
    state.workforce.check_quota("labeling jobs", len(state.jobs.jobs()))


def _check_label_attribute_name(name: str, task_type: str) -> None:
    from emulator import tasktypes  # deferred, see the note above

    if name.endswith("-metadata"):
        raise ValidationException('LabelAttributeName cannot end with "-metadata".')
    if name in ("source", "source-ref"):
        raise ValidationException('LabelAttributeName cannot be "source" or "source-ref".')
    if name.endswith("-ref") and not tasktypes.labels_written_as_ref(task_type):
        raise ValidationException('LabelAttributeName cannot end with "-ref" for this task type.')


def check_tags(tags: list[dict[str, str]] | None) -> None:
    """Rule S14 (docs/api.md#createlabelingjob-rules): unique keys, none starting with `aws:`."""
    keys = [tag["Key"] for tag in tags or []]
    if len(set(keys)) != len(keys):
        raise ValidationException("Tag keys must be unique per resource.")
    if any(key.lower().startswith("aws:") for key in keys):
        raise ValidationException('Tag keys beginning with "aws:" are reserved.')


def fill_labeling_job_defaults(request: dict[str, Any], *, public_team: bool) -> dict[str, Any]:
    """docs/api.md#defaults-filled-at-creation; everything else stays as given."""
    request["OutputConfig"].setdefault("KmsKeyId", "")
    human = request["HumanTaskConfig"]
    human.setdefault("MaxConcurrentTaskCount", 1000)
    human.setdefault(
        "TaskAvailabilityLifetimeInSeconds", 21_600 if public_team else MAX_LIFETIME_PRIVATE
    )
    return request


def check_render_template_source(request: dict[str, Any]) -> None:
    """docs/api.md#renderuitemplate: exactly one of `UiTemplate` and `HumanTaskUiArn`."""
    if ("UiTemplate" in request) == ("HumanTaskUiArn" in request):
        raise ValidationException("Provide exactly one of UiTemplate or HumanTaskUiArn.")


def parse_task_input(request: dict[str, Any]) -> dict[str, Any]:
    """docs/api.md#renderuitemplate: `Task.Input` must be a JSON object."""
    try:
        task_input = json.loads(request["Task"]["Input"])
    except ValueError:
        task_input = None
    if not isinstance(task_input, dict):
        raise ValidationException("Task.Input must be a JSON object.")
    return task_input
