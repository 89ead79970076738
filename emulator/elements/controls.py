"""Form controls whose value joins the answer under their `name`: check boxes, text inputs,
radio buttons, sliders and toggles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.elements.base import ElementContext, ElementSpec, SimulatedWorker


def _check_checkbox(value: Any, context: ElementContext) -> str | None:
    ok = isinstance(value, Mapping) and all(isinstance(v, bool) for v in value.values())
    return None if ok else 'expected {"<value>": true|false}'


def _check_text(value: Any, context: ElementContext) -> str | None:
    return None if isinstance(value, str) else "expected a string"


def _check_number(value: Any, context: ElementContext) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return None if ok else "expected a number"


def _simulate_checkbox(context: ElementContext, worker: SimulatedWorker) -> dict[str, bool]:
    value = context.attributes.get("value") or "on"
    return {value: bool(worker.rng.random() < 0.5)}


def _simulate_text(context: ElementContext, worker: SimulatedWorker) -> str:
    return str(worker.truth) if worker.truth is not None else f"answer of {worker.worker_id}"


def _simulate_number(context: ElementContext, worker: SimulatedWorker) -> float:
    low = _number(context.attributes.get("min"), 0.0)
    high = _number(context.attributes.get("max"), 100.0)
    return float(round(low + (high - low) * worker.rng.random()))


def _number(text: str | None, default: float) -> float:
    try:
        return float(text) if text is not None else default
    except ValueError:
        return default


def _control(tag: str, output: str, attributes: tuple[str, ...]) -> ElementSpec:
    checks = {"checkbox": _check_checkbox, "text": _check_text, "number": _check_number}
    simulations = {
        "checkbox": _simulate_checkbox,
        "text": _simulate_text,
        "number": _simulate_number,
    }
    return ElementSpec(
        tag=tag,
        attributes=attributes,
        answer_nesting="name",
        check_answer=checks[output],
        simulate_answer=simulations[output],
        docs_anchor="form-controls",
        traits={"output": output},
    )


SPECS = (
    _control("crowd-checkbox", "checkbox", ("name", "checked", "disabled", "required", "value")),
    _control(
        "crowd-input",
        "text",
        (
            "name",
            "label",
            "placeholder",
            "value",
            "type",
            "required",
            "disabled",
            "max-length",
            "allowed-pattern",
            "auto-focus",
            "auto-validate",
            "error-message",
        ),
    ),
    _control(
        "crowd-text-area",
        "text",
        (
            "name",
            "label",
            "placeholder",
            "value",
            "rows",
            "max-rows",
            "char-counter",
            "max-length",
            "disabled",
        ),
    ),
    _control("crowd-radio-button", "checkbox", ("name", "checked", "disabled", "value")),
    _control(
        "crowd-slider",
        "number",
        (
            "name",
            "min",
            "max",
            "step",
            "pin",
            "required",
            "disabled",
            "editable",
            "secondary-progress",
        ),
    ),
    _control(
        "crowd-toggle-button", "checkbox", ("name", "checked", "disabled", "required", "value")
    ),
    ElementSpec(tag="crowd-radio-group", attributes=(), docs_anchor="form-controls"),
)
