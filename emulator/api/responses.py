"""The SageMaker Ground Truth operations as methods of moto's `SageMakerResponse`.

Each method validates the request against the botocore model (`emulator.validation`), applies
the semantic rules (`emulator.api.rules`), calls the workforce model or the job engine, and
returns an `ActionResult` that moto serialises in the member order of the output shape.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

from emulator import validation
from emulator.api import rules
from emulator.api.paging import paginate
from emulator.errors import (
    ValidationException,
    human_task_ui_not_found,
    labeling_job_not_found,
    work_team_not_found_for_listing,
)
from emulator.moto_adapter import ActionResult, EmptyResult
from emulator.state import GroundTruthState, state_for

TAG_PAGE_SIZE = 50
# Resource types (the part of an ARN before the first `/`) whose tags gtemu keeps.
TAGGED_RESOURCE_TYPES = ("labeling-job", "workteam", "workforce", "human-task-ui")


class GroundTruthResponse:
    """Mixin: the methods `register()` installs on `SageMakerResponse`."""

    # Provided by moto's BaseResponse.
    body: Any
    params: Any
    current_account: str
    region: str

    def _gt_operation(self) -> str:
        return self._get_action()  # type: ignore[attr-defined,no-any-return]

    def _gt_request(self) -> dict[str, Any]:
        """The validated request (raw JSON checked against the model, parsed values returned)."""
        operation = self._gt_operation()
        raw = self.body
        try:
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8")
            body = json.loads(raw) if raw else {}
        except (ValueError, RecursionError):  # invalid UTF-8 too; RecursionError: deep nesting
            raise ValidationException("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise ValidationException("The request body must be a JSON object.")
        validation.validate_request(operation, body)
        return copy.deepcopy(dict(self.params or {}))

    def _gt_state(self) -> GroundTruthState:
        return state_for(self.current_account, self.region)

    def _gt_job_arn(self, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.current_account}:labeling-job/{name.lower()}"

    # Labeling jobs

    def create_labeling_job(self) -> ActionResult:
        state = self._gt_state()
        state.jobs.pump()
        request = self._gt_request()
        # One lock around check and create: two requests for one name cannot both pass S1.
        with state.jobs.lock:
            rules.check_create_labeling_job(request, state)
            public = state.workforce.is_public_team(request["HumanTaskConfig"]["WorkteamArn"])
            rules.fill_labeling_job_defaults(request, public_team=public)
            tags = request.pop("Tags", None)
            job = state.jobs.create_job(request)
            state.workforce.set_tags(job.arn, tags)
        return ActionResult({"LabelingJobArn": job.arn})

    def describe_labeling_job(self) -> ActionResult:
        state = self._gt_state()
        state.jobs.pump()
        name = self._gt_request()["LabelingJobName"]
        job = state.jobs.find_job(name)
        if job is None:
            raise labeling_job_not_found(self._gt_job_arn(name))
        return ActionResult(job.describe(tags=state.workforce.tags_of(job.arn)))

    def stop_labeling_job(self) -> ActionResult:
        state = self._gt_state()
        state.jobs.pump()
        name = self._gt_request()["LabelingJobName"]
        job = state.jobs.find_job(name)
        if job is None:
            raise labeling_job_not_found(self._gt_job_arn(name))
        state.jobs.stop_job(job.name)
        return EmptyResult()

    def list_labeling_jobs(self) -> ActionResult:
        state = self._gt_state()
        state.jobs.pump()
        request = self._gt_request()
        jobs = [job for job in state.jobs.jobs() if _job_matches(job, request)]
        sort_by = request.get("SortBy", "CreationTime")
        field = {"Name": "name", "CreationTime": "creation_time", "Status": "status"}[sort_by]
        page, token = paginate(
            jobs,
            key=lambda job: (getattr(job, field), job.name),
            descending=request.get("SortOrder", "Descending") == "Descending",
            max_results=request.get("MaxResults"),
            next_token=request.get("NextToken"),
        )
        result: dict[str, Any] = {"LabelingJobSummaryList": [job.summary() for job in page]}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    def list_labeling_jobs_for_workteam(self) -> ActionResult:
        state = self._gt_state()
        state.jobs.pump()
        request = self._gt_request()
        team_arn = request["WorkteamArn"]
        if state.workforce.get_team(team_arn) is None:
            raise work_team_not_found_for_listing(team_arn)
        code_part = request.get("JobReferenceCodeContains")
        jobs = [
            job
            for job in state.jobs.jobs()
            if job.workteam_arn == team_arn
            and _created_between(job.creation_time, request)
            and (code_part is None or code_part in job.job_reference_code)
        ]
        page, token = paginate(
            jobs,
            key=lambda job: (job.creation_time, job.name),
            descending=request.get("SortOrder", "Ascending") == "Descending",
            max_results=request.get("MaxResults"),
            next_token=request.get("NextToken"),
        )
        result: dict[str, Any] = {
            "LabelingJobSummaryList": [job.workteam_summary() for job in page]
        }
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    # Work teams

    def create_workteam(self) -> ActionResult:
        request = self._gt_request()
        rules.check_tags(request.get("Tags"))
        team = self._gt_state().workforce.create_team(
            request["WorkteamName"],
            member_definitions=request["MemberDefinitions"],
            description=request["Description"],
            workforce_name=request.get("WorkforceName"),
            notification_configuration=request.get("NotificationConfiguration"),
            worker_access_configuration=request.get("WorkerAccessConfiguration"),
            tags=request.get("Tags"),
        )
        return ActionResult({"WorkteamArn": team.arn})

    def describe_workteam(self) -> ActionResult:
        name = self._gt_request()["WorkteamName"]
        team = self._gt_state().workforce.team_named(name)
        return ActionResult({"Workteam": team.describe()})

    def list_workteams(self) -> ActionResult:
        teams = self._gt_state().workforce.teams()
        return self._gt_list_named(teams, "Workteams")

    def update_workteam(self) -> ActionResult:
        request = self._gt_request()
        team = self._gt_state().workforce.update_team(
            request["WorkteamName"],
            member_definitions=request.get("MemberDefinitions"),
            description=request.get("Description"),
            notification_configuration=request.get("NotificationConfiguration"),
            worker_access_configuration=request.get("WorkerAccessConfiguration"),
        )
        return ActionResult({"Workteam": team.describe()})

    def delete_workteam(self) -> ActionResult:
        name = self._gt_request()["WorkteamName"]
        self._gt_state().workforce.delete_team(name)
        return ActionResult({"Success": True})

    # Workforces

    def create_workforce(self) -> ActionResult:
        request = self._gt_request()
        if request.get("CognitoConfig") and request.get("OidcConfig"):
            raise ValidationException("Specify either CognitoConfig or OidcConfig, not both.")
        rules.check_tags(request.get("Tags"))
        workforce = self._gt_state().workforce.create_workforce(
            request["WorkforceName"],
            cognito_config=request.get("CognitoConfig"),
            oidc_config=request.get("OidcConfig"),
            source_ip_config=request.get("SourceIpConfig"),
            vpc_config=request.get("WorkforceVpcConfig"),
            ip_address_type=request.get("IpAddressType"),
            tags=request.get("Tags"),
        )
        return ActionResult({"WorkforceArn": workforce.arn})

    def describe_workforce(self) -> ActionResult:
        name = self._gt_request()["WorkforceName"]
        workforce = self._gt_state().workforce.get_workforce(name)
        return ActionResult({"Workforce": workforce.describe()})

    def list_workforces(self) -> ActionResult:
        workforces = self._gt_state().workforce.workforces()
        return self._gt_list_named(workforces, "Workforces")

    def _gt_list_named(self, items: list[Any], result_key: str) -> ActionResult:
        """ListWorkteams / ListWorkforces: NameContains, SortBy Name|CreateDate (default
        CreateDate, ties by name), SortOrder (default Ascending), pages."""
        request = self._gt_request()
        contains = request.get("NameContains")
        matching = [item for item in items if _name_contains(item.name, contains)]
        by_name = request.get("SortBy", "CreateDate") == "Name"
        page, token = paginate(
            matching,
            key=lambda item: (item.name if by_name else item.create_date, item.name),
            descending=request.get("SortOrder", "Ascending") == "Descending",
            max_results=request.get("MaxResults"),
            next_token=request.get("NextToken"),
        )
        result: dict[str, Any] = {result_key: [item.describe() for item in page]}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    def update_workforce(self) -> ActionResult:
        request = self._gt_request()
        workforce = self._gt_state().workforce.update_workforce(
            request["WorkforceName"],
            source_ip_config=request.get("SourceIpConfig"),
            oidc_config=request.get("OidcConfig"),
            vpc_config=request.get("WorkforceVpcConfig"),
            ip_address_type=request.get("IpAddressType"),
        )
        return ActionResult({"Workforce": workforce.describe()})

    def delete_workforce(self) -> ActionResult:
        name = self._gt_request()["WorkforceName"]
        self._gt_state().workforce.delete_workforce(name)
        return EmptyResult()

    # Human task UIs

    def create_human_task_ui(self) -> ActionResult:
        request = self._gt_request()
        rules.check_tags(request.get("Tags"))
        content = request["UiTemplate"]["Content"]
        _check_template_syntax(content)
        ui = self._gt_state().workforce.create_human_task_ui(
            request["HumanTaskUiName"], content, request.get("Tags")
        )
        return ActionResult({"HumanTaskUiArn": ui.arn})

    def describe_human_task_ui(self) -> ActionResult:
        name = self._gt_request()["HumanTaskUiName"]
        workforce = self._gt_state().workforce
        ui = workforce.human_task_ui_named(name)
        return ActionResult(
            {
                "HumanTaskUiArn": ui.arn,
                "HumanTaskUiName": ui.name,
                "HumanTaskUiStatus": "Active",
                "CreationTime": ui.creation_time,
                "UiTemplate": {
                    "Url": workforce.human_task_ui_url(ui),
                    "ContentSha256": ui.content_sha256,
                },
            }
        )

    def list_human_task_uis(self) -> ActionResult:
        request = self._gt_request()
        uis = [
            ui
            for ui in self._gt_state().workforce.human_task_uis()
            if _created_between(ui.creation_time, request)
        ]
        page, token = paginate(
            uis,
            key=lambda ui: (ui.creation_time, ui.name),
            descending=request.get("SortOrder", "Descending") == "Descending",
            max_results=request.get("MaxResults"),
            next_token=request.get("NextToken"),
        )
        result: dict[str, Any] = {"HumanTaskUiSummaries": [ui.summary() for ui in page]}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    def delete_human_task_ui(self) -> ActionResult:
        name = self._gt_request()["HumanTaskUiName"]
        self._gt_state().workforce.delete_human_task_ui(name)
        return EmptyResult()

    def render_ui_template(self) -> ActionResult:
        from worker_ui.liquid import (
            TemplateRenderError,
            TemplateSyntaxError,
            parse_template,
            render_task,
        )

        request = self._gt_request()
        rules.check_render_template_source(request)
        if "HumanTaskUiArn" in request:
            ui = self._gt_state().workforce.get_human_task_ui(request["HumanTaskUiArn"])
            if ui is None:
                raise human_task_ui_not_found(request["HumanTaskUiArn"])
            content = ui.content
        else:
            content = request["UiTemplate"]["Content"]
        task_input = rules.parse_task_input(request)
        try:
            rendered = render_task(parse_template(content), task_input)
        except TemplateSyntaxError as error:
            return ActionResult(_render_failure("TemplateSyntaxError", error.describe()))
        except TemplateRenderError as error:
            # A filter's complaint reads as AWS's runtime text, without a position
            # (docs/api.md#renderuitemplate).
            message = error.message if error.code == "InvalidParameters" else error.describe()
            return ActionResult(_render_failure(error.code, message))
        return ActionResult({"RenderedContent": rendered, "Errors": []})

    # Tags: our resources here, everything else to moto's own implementation

    def add_tags(self) -> ActionResult:
        request = self._gt_request()
        arn = request["ResourceArn"]
        if not _is_gtemu_arn(arn):
            return self._moto_add_tags()  # type: ignore[attr-defined,no-any-return]
        rules.check_tags(request["Tags"])
        workforce = self._gt_state().workforce
        self._gt_check_resource(arn)
        return ActionResult({"Tags": workforce.add_tags(arn, request["Tags"])})

    def list_tags(self) -> ActionResult:
        request = self._gt_request()
        arn = request["ResourceArn"]
        if not _is_gtemu_arn(arn):
            return self._moto_list_tags()  # type: ignore[attr-defined,no-any-return]
        self._gt_check_resource(arn)
        tags = self._gt_state().workforce.tags_of(arn)
        page, token = paginate(
            list(enumerate(tags)),
            key=lambda pair: (pair[0], ""),
            descending=False,
            max_results=request.get("MaxResults", TAG_PAGE_SIZE),
            next_token=request.get("NextToken"),
        )
        result: dict[str, Any] = {"Tags": [tag for _, tag in page]}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    def delete_tags(self) -> ActionResult:
        request = self._gt_request()
        arn = request["ResourceArn"]
        if not _is_gtemu_arn(arn):
            return self._moto_delete_tags()  # type: ignore[attr-defined,no-any-return]
        self._gt_check_resource(arn)
        self._gt_state().workforce.delete_tags(arn, request["TagKeys"])
        return EmptyResult()

    def _gt_check_resource(self, arn: str) -> None:
        """`ValidationException` (moto's text) unless `arn` is one of our existing resources."""
        state = self._gt_state()
        resource = arn.split(":", 5)[5]
        kind, _, name = resource.partition("/")
        if kind == "workteam":
            name = name.rpartition("/")[2]
        if not _resource_exists(state, arn, kind, name):
            raise ValidationException(f"Could not find {kind} with name {name}")


def _resource_exists(state: GroundTruthState, arn: str, kind: str, name: str) -> bool:
    workforce = state.workforce
    if kind == "labeling-job":
        state.jobs.pump()
        job = state.jobs.find_job(name)
        return job is not None and job.arn == arn
    if kind == "workteam":
        return workforce.get_team(arn) is not None and not workforce.is_public_team(arn)
    if kind == "workforce":
        return any(wf.arn == arn for wf in workforce.workforces())
    return workforce.get_human_task_ui(arn) is not None


def _is_gtemu_arn(arn: Any) -> bool:
    if not isinstance(arn, str) or arn.count(":") < 5:
        return False
    resource = arn.split(":", 5)[5]
    return resource.partition("/")[0] in TAGGED_RESOURCE_TYPES


def _name_contains(name: str, part: str | None) -> bool:
    return part is None or part.lower() in name.lower()


def _utc(value: datetime | None) -> datetime | None:
    """moto parses request timestamps as naive UTC datetimes; ours are timezone-aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def _between(moment: datetime, after: datetime | None, before: datetime | None) -> bool:
    """docs/api.md#listlabelingjobs: `...After` and `...Before` are strict bounds."""
    after, before = _utc(after), _utc(before)
    return (after is None or moment > after) and (before is None or moment < before)


def _created_between(created: datetime, request: dict[str, Any]) -> bool:
    return _between(created, request.get("CreationTimeAfter"), request.get("CreationTimeBefore"))


def _job_matches(job: Any, request: dict[str, Any]) -> bool:
    status = request.get("StatusEquals")
    return (
        _created_between(job.creation_time, request)
        and _between(
            job.last_modified_time,
            request.get("LastModifiedTimeAfter"),
            request.get("LastModifiedTimeBefore"),
        )
        and _name_contains(job.name, request.get("NameContains"))
        and (status is None or job.status == status)
    )


def _check_template_syntax(content: str) -> None:
    """docs/api.md#human-task-uis: a human task UI must be valid Liquid."""
    from worker_ui.liquid import TemplateSyntaxError, parse_template

    try:
        parse_template(content)
    except TemplateSyntaxError as error:
        raise ValidationException(f"The UI template is not valid: {error.describe()}") from None


def _render_failure(code: str, message: str) -> dict[str, Any]:
    return {"RenderedContent": "", "Errors": [{"Code": code, "Message": message}]}
