"""Who may work which jobs in the portal: the teams a worker can sign in to, and the jobs of
the teams that admit a signed-in worker (docs/portal.md, docs/engine.md#task-assignment).

A team whose Cognito user group has users admits those users (signed in with a password); any
other team admits workers by name, unless `gtemu serve --strict-sign-in`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.state import GroundTruthState, all_states
from worker_ui import cognito, security


@dataclass(frozen=True)
class TeamChoice:
    arn: str
    name: str
    state: GroundTruthState

    @property
    def label(self) -> str:
        return f"{self.name} ({self.state.account_id}, {self.state.region})"

    def admits(self, user_name: str) -> bool:
        """Whether the team admits this name signed in without a password."""
        return admits(self.state, self.arn, security.SignedIn(user_name, None))

    def cognito_group(self) -> cognito.CognitoGroup | None:
        """The team's Cognito group, if moto holds its pool and group."""
        team = self.state.workforce.get_team(self.arn)
        group = None if team is None else cognito.group_of(team, self.state.account_id,
                                                           self.state.region)
        return group if group is not None and cognito.members(group) is not None else None


@dataclass(frozen=True)
class WorkerJob:
    """A job the signed-in worker may work, with their identity for its team."""

    state: GroundTruthState
    job: Any
    worker_id: str


def states() -> list[GroundTruthState]:
    """Every account and region that holds labeling resources."""
    return list(all_states())


def all_teams() -> list[TeamChoice]:
    """Every private team the emulator holds, and the public crowd where a job uses it."""
    choices: list[TeamChoice] = []
    for state in states():
        teams = list(state.workforce.teams())
        public_arn = state.workforce.public_team_arn
        if any(job.workteam_arn == public_arn for job in state.jobs.jobs()):
            teams.append(state.workforce.public_team)
        for team in teams:
            name = "public crowd" if team.public else team.name
            choices.append(TeamChoice(team.arn, name, state))
    return sorted(choices, key=lambda t: (t.name.lower(), t.label))


def admits(state: GroundTruthState, team_arn: str, worker: security.SignedIn) -> bool:
    """Whether the team lets the worker in: a team whose Cognito group has users admits the
    Cognito users of that group; any other team (unless --strict-sign-in) admits by name."""
    if worker.team_arn is not None and worker.team_arn != team_arn:
        return False
    team = state.workforce.get_team(team_arn)
    group = None if team is None else cognito.group_of(team, state.account_id, state.region)
    users = None if group is None else cognito.members(group)
    if users and group is not None:
        return (worker.cognito_pool == group.pool_key and worker.user_name in users
                and group.group in cognito.groups_of_user(group.pool_key, worker.user_name))
    if cognito.strict():
        return False
    return state.workforce.team_allows(team_arn, worker.user_name)


def name_only_teams(teams: list[TeamChoice]) -> list[TeamChoice]:
    """The teams that admit workers by name (no Cognito users in their group)."""
    if cognito.strict():
        return []
    found = []
    for choice in teams:
        team = choice.state.workforce.get_team(choice.arn)
        group = None if team is None else cognito.group_of(team, choice.state.account_id,
                                                            choice.state.region)
        if group is None or not cognito.members(group):
            found.append(choice)
    return found


def jobs_of(worker: security.SignedIn) -> list[WorkerJob]:
    """The jobs of the worker's teams, newest first."""
    found: list[WorkerJob] = []
    for state in states():
        for job in state.jobs.jobs():
            if admits(state, job.workteam_arn, worker):
                identity = state.workforce.worker_identity(job.workteam_arn, worker.user_name)
                found.append(WorkerJob(state, job, identity.worker_id))
    return sorted(found, key=lambda item: item.job.creation_time, reverse=True)
