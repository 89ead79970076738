"""Workforces, work teams, human task UIs and tags of one account and region
(docs/api.md#work-teams to docs/api.md#tags).

`WorkforceModel` is the backend of the work-team, workforce, human-task-UI and tag operations,
and tells the job engine and the worker UI who may work on a team's tasks and under which
worker id (docs/engine.md#worker-identities). Methods raise the AWS errors of
docs/api.md#error-texts.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulator import clock, runtime
from emulator.errors import (
    ConflictException,
    ResourceInUse,
    ResourceLimitExceeded,
    ValidationException,
    human_task_ui_not_found,
    work_team_does_not_exist,
    workforce_does_not_exist,
)
from emulator.tasktypes import AWS_OWNED_HUMAN_TASK_UIS

PUBLIC_CROWD_ACCOUNT = "394669845002"
DEFAULT_WORKFORCE_NAME = "default"
MAX_WORK_TEAMS = 25
MAX_TAGS_PER_RESOURCE = 50


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _sub_domain(seed: str, region: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    label = "".join(alphabet[byte % len(alphabet)] for byte in _digest(seed)[:10])
    return f"{label}.labeling.{region}.sagemaker.aws"


@dataclass
class Workforce:
    name: str
    arn: str
    sub_domain: str
    create_date: datetime
    last_updated_date: datetime
    source_ip_config: dict[str, Any] = field(default_factory=lambda: {"Cidrs": []})
    cognito_config: dict[str, Any] | None = None
    oidc_config: dict[str, Any] | None = None
    vpc_config: dict[str, Any] | None = None
    ip_address_type: str = "ipv4"
    implicit: bool = False

    def describe(self) -> dict[str, Any]:
        """The `Workforce` object of the API (docs/api.md#workforces), member order of the model."""
        description: dict[str, Any] = {
            "WorkforceName": self.name,
            "WorkforceArn": self.arn,
            "LastUpdatedDate": self.last_updated_date,
            "SourceIpConfig": copy.deepcopy(self.source_ip_config),
            "SubDomain": self.sub_domain,
        }
        if self.cognito_config is not None:
            description["CognitoConfig"] = dict(self.cognito_config)
        if self.oidc_config is not None:
            description["OidcConfig"] = {
                key: copy.deepcopy(value)
                for key, value in self.oidc_config.items()
                if key != "ClientSecret"
            }
        description["CreateDate"] = self.create_date
        if self.vpc_config is not None:
            description["WorkforceVpcConfig"] = copy.deepcopy(self.vpc_config)
        description["Status"] = "Active"
        description["IpAddressType"] = self.ip_address_type
        return description

    def identity_provider(self, region: str) -> tuple[str, str]:
        """(`identityProviderType`, `issuer`) of the workers of this workforce
        (docs/engine.md#worker-identities)."""
        if self.oidc_config is not None:
            return "Oidc", self.oidc_config["Issuer"]
        if self.cognito_config is not None:
            pool = self.cognito_config["UserPool"]
        else:
            pool = f"{region}_" + base64.b32encode(_digest(self.arn)).decode()[:9]
        return "Cognito", f"https://cognito-idp.{region}.amazonaws.com/{pool}"


@dataclass
class Workteam:
    name: str
    arn: str
    workforce_arn: str
    member_definitions: list[dict[str, Any]]
    description: str
    sub_domain: str
    create_date: datetime
    last_updated_date: datetime
    notification_configuration: dict[str, Any] | None = None
    worker_access_configuration: dict[str, Any] | None = None
    product_listing_ids: list[str] | None = None
    members: set[str] | None = None
    public: bool = False

    def describe(self) -> dict[str, Any]:
        """The `Workteam` object of the API (docs/api.md#work-teams), member order of the model."""
        description: dict[str, Any] = {
            "WorkteamName": self.name,
            "MemberDefinitions": copy.deepcopy(self.member_definitions),
            "WorkteamArn": self.arn,
            "WorkforceArn": self.workforce_arn,
        }
        if self.product_listing_ids is not None:
            description["ProductListingIds"] = list(self.product_listing_ids)
        description.update(
            Description=self.description,
            SubDomain=self.sub_domain,
            CreateDate=self.create_date,
            LastUpdatedDate=self.last_updated_date,
        )
        if self.notification_configuration is not None:
            description["NotificationConfiguration"] = dict(self.notification_configuration)
        if self.worker_access_configuration is not None:
            description["WorkerAccessConfiguration"] = copy.deepcopy(
                self.worker_access_configuration
            )
        return description


@dataclass
class HumanTaskUi:
    name: str
    arn: str
    content: str
    creation_time: datetime

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest()

    def summary(self) -> dict[str, Any]:
        return {
            "HumanTaskUiName": self.name,
            "HumanTaskUiArn": self.arn,
            "CreationTime": self.creation_time,
        }


@dataclass(frozen=True)
class WorkerIdentity:
    """Who answered a task: the `workerId` and `workerMetadata` of
    docs/engine.md#worker-identities."""

    worker_id: str
    user_name: str
    metadata: dict[str, Any] | None


class WorkforceModel:
    """Workforces, work teams, human task UIs and tags of one account and region."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region
        self._lock = threading.RLock()
        self._workforce = self._new_workforce(DEFAULT_WORKFORCE_NAME, implicit=True)
        self._teams: dict[str, Workteam] = {}
        self._uis: dict[str, HumanTaskUi] = {}
        self._tags: dict[str, dict[str, str]] = {}
        self.public_team = self._new_public_team()
        # docs/api.md#quotas: no quota unless a test sets one, e.g. `{"labeling jobs": 3}`.
        self.quotas: dict[str, int] = {}

    # ARNs

    def _arn(self, resource: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account_id}:{resource}"

    def workforce_arn(self, name: str) -> str:
        return self._arn(f"workforce/{name}")

    def team_arn(self, name: str) -> str:
        return self._arn(f"workteam/private-crowd/{name}")

    def human_task_ui_arn(self, name: str) -> str:
        return self._arn(f"human-task-ui/{name}")

    @property
    def public_team_arn(self) -> str:
        return (
            f"arn:aws:sagemaker:{self.region}:{PUBLIC_CROWD_ACCOUNT}:workteam/public-crowd/default"
        )

    # Workforces

    def _new_workforce(self, name: str, *, implicit: bool = False) -> Workforce:
        created = clock.now()
        arn = self.workforce_arn(name)
        return Workforce(
            name=name,
            arn=arn,
            sub_domain=_sub_domain(arn, self.region),
            create_date=created,
            last_updated_date=created,
            implicit=implicit,
        )

    def _new_public_team(self) -> Workteam:
        created = clock.now()
        return Workteam(
            name="default",
            arn=self.public_team_arn,
            workforce_arn=self.public_team_arn,
            member_definitions=[],
            description="Amazon Mechanical Turk",
            sub_domain=_sub_domain(self.public_team_arn, self.region),
            create_date=created,
            last_updated_date=created,
            public=True,
        )

    def workforces(self) -> list[Workforce]:
        with self._lock:
            return [self._workforce] if self._workforce is not None else []

    def get_workforce(self, name: str) -> Workforce:
        with self._lock:
            if self._workforce is None or self._workforce.name != name:
                raise workforce_does_not_exist(name)
            return self._workforce

    def create_workforce(
        self,
        name: str,
        *,
        cognito_config: dict[str, Any] | None = None,
        oidc_config: dict[str, Any] | None = None,
        source_ip_config: dict[str, Any] | None = None,
        vpc_config: dict[str, Any] | None = None,
        ip_address_type: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> Workforce:
        with self._lock:
            current = self._workforce
            if current is not None and not (current.implicit and not self._teams):
                raise ValidationException(
                    "A workforce already exists in this account and region. "
                    "Delete it before creating a new one."
                )
            if current is not None:
                self._tags.pop(current.arn, None)
            workforce = self._new_workforce(name)
            workforce.cognito_config = copy.deepcopy(cognito_config)
            workforce.oidc_config = copy.deepcopy(oidc_config)
            if source_ip_config is not None:
                workforce.source_ip_config = copy.deepcopy(source_ip_config)
            workforce.vpc_config = copy.deepcopy(vpc_config)
            workforce.ip_address_type = ip_address_type or "ipv4"
            self._workforce = workforce
            self._tags[workforce.arn] = _tag_dict(tags)
            return workforce

    def update_workforce(
        self,
        name: str,
        *,
        source_ip_config: dict[str, Any] | None = None,
        oidc_config: dict[str, Any] | None = None,
        vpc_config: dict[str, Any] | None = None,
        ip_address_type: str | None = None,
    ) -> Workforce:
        with self._lock:
            workforce = self.get_workforce(name)
            if oidc_config is not None and self._teams:
                raise ConflictException(
                    "You can only update the OIDC configuration of a workforce that has no "
                    "work teams."
                )
            if source_ip_config is not None:
                workforce.source_ip_config = copy.deepcopy(source_ip_config)
            if oidc_config is not None:
                workforce.oidc_config = copy.deepcopy(oidc_config)
                workforce.cognito_config = None
            if vpc_config is not None:
                workforce.vpc_config = copy.deepcopy(vpc_config)
            if ip_address_type is not None:
                workforce.ip_address_type = ip_address_type
            workforce.implicit = False
            workforce.last_updated_date = clock.now()
            return workforce

    def delete_workforce(self, name: str) -> None:
        with self._lock:
            workforce = self.get_workforce(name)
            if self._teams:
                raise ResourceInUse(
                    f"The workforce {name} has one or more work teams. Delete the work teams "
                    "before deleting the workforce."
                )
            self._tags.pop(workforce.arn, None)
            self._workforce = None

    def _workforce_for_new_team(self, name: str | None) -> Workforce:
        if self._workforce is None:
            # AWS recreates the console's `default` workforce on demand; so do we.
            self._workforce = self._new_workforce(DEFAULT_WORKFORCE_NAME, implicit=True)
        if name is not None and name != self._workforce.name:
            raise workforce_does_not_exist(name)
        return self._workforce

    # Work teams

    def teams(self) -> list[Workteam]:
        with self._lock:
            return list(self._teams.values())

    def get_team(self, arn: str) -> Workteam | None:
        """The private team with this ARN, or the public crowd of this region."""
        if arn == self.public_team_arn:
            return self.public_team
        with self._lock:
            return next((team for team in self._teams.values() if team.arn == arn), None)

    def is_public_team(self, arn: str) -> bool:
        return arn == self.public_team_arn

    def team_named(self, name: str) -> Workteam:
        with self._lock:
            team = self._teams.get(name)
            if team is None:
                raise work_team_does_not_exist(name)
            return team

    def create_team(
        self,
        name: str,
        *,
        member_definitions: list[dict[str, Any]],
        description: str,
        workforce_name: str | None = None,
        notification_configuration: dict[str, Any] | None = None,
        worker_access_configuration: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> Workteam:
        with self._lock:
            if name in self._teams:
                raise ResourceInUse(f"Work team with name {name} already exists.")
            if len(self._teams) >= MAX_WORK_TEAMS:
                raise ResourceLimitExceeded(
                    f"You have reached the limit of {MAX_WORK_TEAMS} work teams in this account "
                    "and region."
                )
            workforce = self._workforce_for_new_team(workforce_name)
            _check_members_match_workforce(member_definitions, workforce)
            cognito = _cognito_of(member_definitions)
            if cognito is not None and workforce.cognito_config is None:
                workforce.cognito_config = cognito
            created = clock.now()
            team = Workteam(
                name=name,
                arn=self.team_arn(name),
                workforce_arn=workforce.arn,
                member_definitions=copy.deepcopy(member_definitions),
                description=description,
                sub_domain=workforce.sub_domain,
                create_date=created,
                last_updated_date=created,
                notification_configuration=copy.deepcopy(notification_configuration),
                worker_access_configuration=copy.deepcopy(worker_access_configuration),
            )
            self._teams[name] = team
            self._tags[team.arn] = _tag_dict(tags)
            return team

    def update_team(
        self,
        name: str,
        *,
        member_definitions: list[dict[str, Any]] | None = None,
        description: str | None = None,
        notification_configuration: dict[str, Any] | None = None,
        worker_access_configuration: dict[str, Any] | None = None,
    ) -> Workteam:
        with self._lock:
            team = self.team_named(name)
            if member_definitions is not None:
                if self._workforce is not None:
                    _check_members_match_workforce(member_definitions, self._workforce)
                team.member_definitions = copy.deepcopy(member_definitions)
            if description is not None:
                team.description = description
            if notification_configuration is not None:
                team.notification_configuration = copy.deepcopy(notification_configuration)
            if worker_access_configuration is not None:
                team.worker_access_configuration = copy.deepcopy(worker_access_configuration)
            team.last_updated_date = clock.now()
            return team

    def delete_team(self, name: str) -> None:
        with self._lock:
            team = self.team_named(name)
            del self._teams[name]
            self._tags.pop(team.arn, None)

    def set_team_members(self, team_arn: str, user_names: list[str] | None) -> None:
        """Restrict a private team to these user names (`None`: anyone may work)."""
        with self._lock:
            team = self.get_team(team_arn)
            if team is None:
                raise work_team_does_not_exist(team_arn)
            team.members = None if user_names is None else set(user_names)

    def team_allows(self, team_arn: str, user_name: str) -> bool:
        team = self.get_team(team_arn)
        if team is None:
            return False
        return team.members is None or user_name in team.members

    def worker_identity(self, team_arn: str, user_name: str) -> WorkerIdentity:
        """The worker id and metadata under which `user_name` answers `team_arn`'s tasks."""
        if self.is_public_team(team_arn):
            code = base64.b32encode(_digest(f"{team_arn}/{user_name}")[:16]).decode()
            return WorkerIdentity(f"public.{self.region}.{code.rstrip('=')}", user_name, None)
        team = self.get_team(team_arn)
        workforce_arn = team.workforce_arn if team is not None else self.workforce_arn("default")
        seed = f"{workforce_arn}/{user_name}"
        worker_id = f"private.{self.region}.{_digest(seed).hex()[:16]}"
        with self._lock:
            workforce = self._workforce
        if workforce is not None and workforce.arn == workforce_arn:
            provider, issuer = workforce.identity_provider(self.region)
        else:
            provider, issuer = self._new_workforce("default").identity_provider(self.region)
        metadata = {
            "identityData": {
                "identityProviderType": provider,
                "issuer": issuer,
                "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, seed)),
            }
        }
        return WorkerIdentity(worker_id, user_name, metadata)

    # Human task UIs

    def human_task_uis(self) -> list[HumanTaskUi]:
        with self._lock:
            return list(self._uis.values())

    def get_human_task_ui(self, arn: str) -> HumanTaskUi | None:
        with self._lock:
            return next((ui for ui in self._uis.values() if ui.arn == arn), None)

    def is_aws_owned_human_task_ui(self, arn: str) -> bool:
        prefix = f"arn:aws:sagemaker:{self.region}:{PUBLIC_CROWD_ACCOUNT}:human-task-ui/"
        return arn.startswith(prefix) and arn[len(prefix) :] in AWS_OWNED_HUMAN_TASK_UIS

    def human_task_ui_named(self, name: str) -> HumanTaskUi:
        with self._lock:
            ui = self._uis.get(name)
            if ui is None:
                raise human_task_ui_not_found(self.human_task_ui_arn(name))
            return ui

    def check_quota(self, resources: str, count: int) -> None:
        """`ResourceLimitExceeded` if `count` existing `resources` already fill their quota."""
        limit = self.quotas.get(resources)
        if limit is not None and count >= limit:
            raise ResourceLimitExceeded(
                f"You have reached the limit of {limit} {resources} in this account and region."
            )

    def create_human_task_ui(
        self, name: str, content: str, tags: list[dict[str, str]] | None = None
    ) -> HumanTaskUi:
        with self._lock:
            if name in self._uis:
                raise ResourceInUse(f"Human task UI with name {name} already exists.")
            self.check_quota("human task UIs", len(self._uis))
            ui = HumanTaskUi(name, self.human_task_ui_arn(name), content, clock.now())
            self._uis[name] = ui
            self._tags[ui.arn] = _tag_dict(tags)
            return ui

    def delete_human_task_ui(self, name: str) -> None:
        with self._lock:
            ui = self.human_task_ui_named(name)
            del self._uis[name]
            self._tags.pop(ui.arn, None)

    def human_task_ui_url(self, ui: HumanTaskUi) -> str:
        # The worker UI's address, which `gtemu serve` sets on its runtime once it listens.
        worker_ui_url = runtime.current().worker_ui_url
        if worker_ui_url:
            return f"{worker_ui_url.rstrip('/')}/human-task-uis/{ui.name}/template"
        return f"gtemu://human-task-ui/{self.region}/{self.account_id}/{ui.name}"

    # Tags (of every taggable resource, labeling jobs included)

    def has_tags_of(self, arn: str) -> bool:
        with self._lock:
            return arn in self._tags

    def tags_of(self, arn: str) -> list[dict[str, str]]:
        with self._lock:
            return [{"Key": k, "Value": v} for k, v in self._tags.get(arn, {}).items()]

    def set_tags(self, arn: str, tags: list[dict[str, str]] | None) -> None:
        """Start the tag set of a new resource (labeling jobs are created by the engine)."""
        with self._lock:
            self._tags[arn] = _tag_dict(tags)

    def add_tags(self, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        with self._lock:
            current = self._tags.setdefault(arn, {})
            merged = dict(current)
            merged.update(_tag_dict(tags))
            if len(merged) > MAX_TAGS_PER_RESOURCE:
                raise ValidationException(
                    f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags."
                )
            self._tags[arn] = merged
            return self.tags_of(arn)

    def delete_tags(self, arn: str, keys: list[str]) -> None:
        with self._lock:
            current = self._tags.get(arn, {})
            for key in keys:
                current.pop(key, None)


def _tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in tags or []}


def _cognito_of(member_definitions: list[dict[str, Any]]) -> dict[str, str] | None:
    for definition in member_definitions:
        cognito = definition.get("CognitoMemberDefinition")
        if cognito:
            return {"UserPool": cognito["UserPool"], "ClientId": cognito["ClientId"]}
    return None


def _check_members_match_workforce(
    member_definitions: list[dict[str, Any]], workforce: Workforce
) -> None:
    """docs/api.md#work-teams: one Cognito pool and client, no mixing, and the workforce's kind."""
    cognito = [
        d["CognitoMemberDefinition"] for d in member_definitions if "CognitoMemberDefinition" in d
    ]
    oidc = [d for d in member_definitions if "OidcMemberDefinition" in d]
    if cognito and oidc:
        raise ValidationException("Do not mix CognitoMemberDefinition and OidcMemberDefinition.")
    pools = {(c.get("UserPool"), c.get("ClientId")) for c in cognito}
    if len(pools) > 1:
        raise ValidationException(
            "All CognitoMemberDefinition objects must have the same UserPool and ClientId."
        )
    if oidc and workforce.oidc_config is None:
        raise ValidationException(
            "OidcMemberDefinition can only be used with a workforce that has an OIDC configuration."
        )
    if cognito and workforce.oidc_config is not None:
        raise ValidationException(
            "CognitoMemberDefinition can only be used with a workforce that has a Cognito "
            "configuration."
        )
    config = workforce.cognito_config
    if cognito and config is not None and pools != {(config["UserPool"], config["ClientId"])}:
        raise ValidationException(
            "The UserPool and ClientId of CognitoMemberDefinition must match the workforce's "
            "CognitoConfig."
        )
