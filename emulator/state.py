"""Where gtemu keeps its state for one account and region.

The state hangs off moto's own SageMaker backend object, so it is per account and region
and is wiped exactly when moto wipes its backends (the end of `mock_aws`, or
`POST /moto-api/reset` on the server), like moto's own services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from moto.sagemaker.models import sagemaker_backends

if TYPE_CHECKING:
    from emulator.jobs.engine import JobEngine
    from emulator.workforce import WorkforceModel

_ATTRIBUTE = "_gtemu_state"

# Set by `gtemu serve --state-dir` (emulator.durable) to an engine that journals its changes.
engine_factory: Callable[[str, str, WorkforceModel], JobEngine] | None = None


class GroundTruthState:
    """Everything gtemu adds to SageMaker for one account and region."""

    def __init__(self, account_id: str, region: str) -> None:
        from emulator.jobs.engine import JobEngine
        from emulator.workforce import WorkforceModel

        self.account_id = account_id
        self.region = region
        self.workforce: WorkforceModel = WorkforceModel(account_id, region)
        self.jobs: JobEngine = (engine_factory or JobEngine)(account_id, region, self.workforce)


def state_for(account_id: str, region: str) -> GroundTruthState:
    backend = sagemaker_backends[account_id][region]
    state = backend.__dict__.get(_ATTRIBUTE)
    if state is None:
        state = GroundTruthState(account_id, region)
        setattr(backend, _ATTRIBUTE, state)
    return state


def find_state(account_id: str, region: str) -> GroundTruthState | None:
    """The state of an account and region if gtemu holds something there; never creates one
    (nor moto's backend for it), so a look-up of an unknown account costs nothing."""
    account_backends = dict.get(sagemaker_backends, account_id)
    backend = None if account_backends is None else dict.get(account_backends, region)
    state = None if backend is None else backend.__dict__.get(_ATTRIBUTE)
    return state if isinstance(state, GroundTruthState) else None


def all_states() -> Iterator[GroundTruthState]:
    """Every account and region in which gtemu holds something."""
    for account_backends in list(sagemaker_backends.values()):
        for backend in list(account_backends.values()):
            state = backend.__dict__.get(_ATTRIBUTE)
            if state is not None:
                yield state
