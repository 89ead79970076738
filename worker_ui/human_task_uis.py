"""The stored template of a human task UI, where DescribeHumanTaskUi's `UiTemplate.Url`
points (docs/api.md#human-task-uis)."""

from __future__ import annotations

from flask import Blueprint, Response
from werkzeug.exceptions import NotFound

from emulator.state import all_states

blueprint = Blueprint("human_task_uis", __name__, url_prefix="/human-task-uis")


@blueprint.get("/<name>/template")
def template(name: str) -> Response:
    # Names are unique per account and region; the URL carries neither (its form is
    # docs/api.md#human-task-uis), so the first account and region holding the name answers.
    for state in all_states():
        for ui in state.workforce.human_task_uis():
            if ui.name == name:
                return Response(ui.content, mimetype="text/plain; charset=utf-8")
    raise NotFound(f"No human task UI named {name}.")
