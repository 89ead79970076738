"""Where gtemu keeps its state for one account and region.

The state hangs off moto's own SageMaker backend object, so it is per account and region
and is wiped exactly when moto wipes its backends (the end of `mock_aws`, or
`POST /moto-api/reset` on the server), like moto's own services. moto's backends are
process-wide, so each backend holds one state per gtemu instance (runtime scope): two
servers or `GroundTruth` objects in one process never see each other's jobs or workforce.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from emulator import moto_adapter, runtime

if TYPE_CHECKING:
    from emulator.jobs.engine import JobEngine
    from emulator.workforce import WorkforceModel


class GroundTruthState:
    """Everything gtemu adds to SageMaker for one account and region."""

    def __init__(self, account_id: str, region: str) -> None:
        from emulator.workforce import WorkforceModel

        self.account_id = account_id
        self.region = region
        self.workforce: WorkforceModel = WorkforceModel(account_id, region)
        # `gtemu serve --state-dir` sets the runtime's factory to an engine that journals.
        self.jobs: JobEngine = runtime.current().make_engine(account_id, region, self.workforce)


def state_for(account_id: str, region: str) -> GroundTruthState:
    """The current runtime's state of an account and region (created on first use)."""
    states = moto_adapter.gtemu_states(account_id, region, create=True)
    assert states is not None
    scope = runtime.current().scope
    state = states.get(scope)
    if state is None:
        state = states.setdefault(scope, GroundTruthState(account_id, region))
    return state


def find_state(account_id: str, region: str) -> GroundTruthState | None:
    """The current runtime's state of an account and region if it holds something there;
    never creates one (nor moto's backend for it), so a look-up of an unknown account costs
    nothing."""
    states = moto_adapter.gtemu_states(account_id, region, create=False)
    state = None if states is None else states.get(runtime.current().scope)
    return state if isinstance(state, GroundTruthState) else None


def all_states() -> Iterator[GroundTruthState]:
    """Every account and region in which the current runtime holds something."""
    scope = runtime.current().scope
    for states in moto_adapter.all_gtemu_states():
        state = states.get(scope)
        if isinstance(state, GroundTruthState):
            yield state
