"""Ground Truth consolidation: estimators, output formats, the post-annotation Lambda.

Imports nothing else of gtemu and neither moto nor Flask, so the package can be deployed as
the custom annotation-consolidation Lambda of a real labeling job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from consolidation.acs import builtin_consolidation
    from consolidation.lambda_function import lambda_handler

__all__ = ["builtin_consolidation", "lambda_handler"]

_LAZY = {"builtin_consolidation": "consolidation.acs",
         "lambda_handler": "consolidation.lambda_function"}


def __getattr__(name: str) -> Any:
    # Imported on first use: a light submodule (`consolidation.serialization`, ...) must not
    # pull in the estimators and numpy (docs/interfaces.md#startup). `consolidation.lambda_handler`
    # (the Lambda handler setting) resolves through here.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'consolidation' has no attribute {name!r}")
