"""Which template variables a sample task input answers, and suggestions where it does not."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from worker_ui.lint.findings import _shorten
from worker_ui.lint.samples import _MISSING
from worker_ui.liquid import (
    WorkerTemplate,
)
from worker_ui.liquid.analysis import (
    TemplateVariable,
    template_variables,
)


@dataclass(frozen=True)
class VariableRead:
    """A variable the template reads, and whether the sample provides it."""

    path: str
    line: int
    column: int
    provided: bool
    suggestion: str | None = None
    value: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "provided": self.provided,
            "suggestion": self.suggestion,
            "value": self.value,
        }


@dataclass
class VariablesReport:
    read: list[VariableRead]
    unused_inputs: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"read": [v.to_json() for v in self.read], "unused_inputs": self.unused_inputs}


def variables_report(template: WorkerTemplate, task_input: Any) -> VariablesReport:
    """Every global variable read, checked against `task.input` = `task_input`; and the
    top-level input keys that nothing reads."""
    scope = {"task": {"input": task_input}}
    read = []
    for variable in template_variables(template, under=()):
        missing = _first_missing_segment(scope, variable.segments)
        suggestion = None if missing is None else _suggest(scope, variable.segments, missing)
        value = _value_at(scope, variable.segments) if missing is None else _MISSING
        shown = None if value is _MISSING else _shorten(json.dumps(value, ensure_ascii=False))
        read.append(
            VariableRead(
                variable.path, variable.line, variable.column, missing is None, suggestion, shown
            )
        )
    return VariablesReport(read, _unused_inputs(template_variables(template), task_input))


def _unused_inputs(variables: list[TemplateVariable], task_input: Any) -> list[str]:
    if not isinstance(task_input, dict):
        return []
    if any(len(variable.segments) <= 2 for variable in variables):
        return []  # `task.input` itself is printed or looped over: everything is read
    read = {variable.input_key for variable in variables}
    return [f"task.input.{key}" for key in task_input if key not in read]


_SEQUENCE_PROPERTIES = ("size", "first", "last")


def _first_missing_segment(scope: Any, segments: Sequence[Any]) -> int | None:
    """Index of the first segment that the data does not provide, or None."""
    current = scope
    for index, segment in enumerate(segments):
        if isinstance(segment, tuple):
            return None  # a dynamic key (`labels[i]`): cannot tell statically
        if isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, (list, str)) and isinstance(segment, int):
            if not -len(current) <= segment < len(current):
                return index
            current = current[segment]
        elif segment in _SEQUENCE_PROPERTIES and isinstance(current, (list, str, dict)):
            return None
        else:
            return index
    return None


def _value_at(scope: Any, segments: Sequence[Any]) -> Any:
    """The value at a path of plain keys and indexes, else `_MISSING`."""
    current = scope
    for segment in segments:
        if isinstance(current, dict) and isinstance(segment, str) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and isinstance(segment, int):
            current = current[segment]
        else:
            return _MISSING
    return current


def _suggest(scope: Any, segments: Sequence[Any], missing: int) -> str | None:
    container = scope
    for segment in segments[:missing]:
        container = container[segment]
    wanted = segments[missing]
    if not isinstance(container, dict) or not isinstance(wanted, str):
        return None
    keys = [key for key in container if isinstance(key, str)]
    folded = {key.lower(): key for key in keys}
    match = folded.get(wanted.lower())
    if match is None:
        close = difflib.get_close_matches(wanted, keys, n=1, cutoff=0.6)
        match = close[0] if close else None
    if match is None:
        return None
    return _path_text([*segments[:missing], match, *segments[missing + 1 :]])


def _path_text(segments: Sequence[Any]) -> str:
    text = ""
    for segment in segments:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif isinstance(segment, tuple):
            text += "[" + _path_text(segment) + "]"
        elif re.fullmatch(r"[\w-]+", segment):
            text += ("." if text else "") + segment
        else:
            text += f"[{json.dumps(segment)}]"
    return text
