"""Ground Truth's Liquid filters (docs/templates.md#ground-truths-filters), one module each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .escape import escape
from .escape_once import escape_once
from .grant_read_access import grant_read_access, public_s3_url, s3_location
from .skip_autoescape import skip_autoescape
from .to_json import to_json

if TYPE_CHECKING:
    from liquid import Environment

__all__ = [
    "escape",
    "escape_once",
    "grant_read_access",
    "public_s3_url",
    "register",
    "s3_location",
    "skip_autoescape",
    "to_json",
]

GROUND_TRUTH_FILTERS = {
    "escape": escape,
    "escape_once": escape_once,
    "skip_autoescape": skip_autoescape,
    "to_json": to_json,
    "grant_read_access": grant_read_access,
}


def register(env: Environment) -> None:
    """Add Ground Truth's filters to `env`, replacing python-liquid's escapes."""
    for name, function in GROUND_TRUTH_FILTERS.items():
        env.add_filter(name, function)
