"""gtemu's AWS side: SageMaker Ground Truth operations added to moto, and the job engine.

Importing this package registers the labeling-job operations with moto, so that every
`moto.mock_aws()` (and moto's server) answers them: at once if moto's SageMaker is loaded, else
the moment it is (`emulator.registration`), so that a command that never runs moto does not
load it. The pytest plugin imports it for you.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.registration import register_when_loaded as _register_when_loaded


def _register_operations() -> None:
    from emulator.api import register  # imports moto: only once moto's SageMaker is loaded

    register()


_register_when_loaded(_register_operations)

if TYPE_CHECKING:
    from emulator.lambdas import register_lambda
    from emulator.testing import GroundTruth

__all__ = ["GroundTruth", "register_lambda"]

_LAZY = {"GroundTruth": "emulator.testing", "register_lambda": "emulator.lambdas"}


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import emulator` stays cheap and cycle-free.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'emulator' has no attribute {name!r}")
