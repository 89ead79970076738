"""JSON request bodies nested deeper than Python's recursion limit are bad requests.

Python's `json` raises RecursionError, not ValueError, for such a body, and Flask's
`request.get_json()` lets it through as a 500, even with `silent=True`. Registering this
blueprint gives the app a JSON provider that reports it as the ValueError every caller already
handles: `get_json(silent=True)` returns None, `get_json()` is a 400.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.json.provider import DefaultJSONProvider

blueprint = Blueprint("request_limits", __name__)


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


@blueprint.record_once
def _install_json_provider(state: Any) -> None:
    state.app.json = BoundedJSONProvider(state.app)
