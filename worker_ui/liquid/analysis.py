"""What a template reads, found without and with sample data (for lint and preview)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from liquid import Undefined
from liquid.exceptions import LiquidError, ResourceLimitError
from liquid.static_analysis import Segments, Variable

from .context import MediaUrl
from .environment import RENDER_SECONDS_LIMIT, GroundTruthEnvironment
from .errors import RenderLimitError, TemplateRenderError, position_in
from .template import ENVIRONMENT, WorkerTemplate, render_bound, render_error

TASK_INPUT = ("task", "input")


@dataclass(frozen=True)
class TemplateVariable:
    """A variable the template reads, where it reads it (1-based line and column)."""

    path: str
    segments: tuple[Any, ...]
    line: int
    column: int

    @property
    def input_key(self) -> str | None:
        """The `task.input` key read (`labels` for `task.input.labels[0]`), if any."""
        if len(self.segments) > 2 and tuple(self.segments[:2]) == TASK_INPUT:
            key = self.segments[2]
            return key if isinstance(key, str) else None
        return None


@dataclass(frozen=True)
class FilterUse:
    name: str
    line: int
    column: int


@dataclass(frozen=True)
class UndefinedVariable:
    """A path that was undefined while rendering one sample (`task.input.lables`).

    `path` runs to the first missing segment; `reason` is `undefined` or, for an index
    past the end of a list, `index out of range`.
    """

    path: str
    line: int
    column: int
    reason: str = "undefined"


@dataclass
class RenderCheck:
    """Everything one render of one sample found.

    `html` is what rendered (partial when there were errors), `errors` every render error
    (the first is the one `render_task` raises), `undefined` every undefined path read.
    """

    html: str
    errors: list[TemplateRenderError] = field(default_factory=list)
    undefined: list[UndefinedVariable] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def template_variables(
    template: WorkerTemplate, *, under: tuple[str, ...] = TASK_INPUT
) -> list[TemplateVariable]:
    """Every global variable path the template reads that starts with `under`, in order.

    `under=()` lists all global variables (a typo such as `taks.input.x` included).
    Variables the template assigns itself (`assign`, `capture`, loop names) are not global.
    """
    analysis = template.bound.analyze(include_partials=False)
    found = [
        _template_variable(variable, template.source)
        for variables in analysis.globals.values()
        for variable in variables
        if tuple(variable.segments[: len(under)]) == under
    ]
    return sorted(found, key=lambda variable: (variable.line, variable.column))


def filter_uses(template: WorkerTemplate) -> list[FilterUse]:
    """Every filter the template applies, with its position."""
    analysis = template.bound.analyze(include_partials=False)
    uses = [
        FilterUse(name, *position_in(template.source, span.index))
        for name, spans in analysis.filters.items()
        for span in spans
    ]
    return sorted(uses, key=lambda use: (use.line, use.column))


def unknown_filters(template: WorkerTemplate) -> list[FilterUse]:
    """Filters that Ground Truth does not have (rendering would fail on them,
    docs/templates.md#the-dialect)."""
    return [use for use in filter_uses(template) if use.name not in ENVIRONMENT.filters]


def check_render(
    template: WorkerTemplate,
    task_input: Any,
    *,
    media_url: MediaUrl | None = None,
    time_limit: float = RENDER_SECONDS_LIMIT,
) -> RenderCheck:
    """Render like `render_task`, but go on after errors and record undefined paths.

    This is lint's strict-undefined mode: instead of stopping at the first undefined
    variable, every one is reported with its position.
    """
    bound = _RECORDING_ENVIRONMENT.template_class(
        env=_RECORDING_ENVIRONMENT,
        name=template.name,
        path=None,
        nodes=template.bound.nodes,
        globals=template.bound.globals,
    )
    with _recording() as check:
        try:
            check.html = render_bound(bound, task_input, media_url=media_url, time_limit=time_limit)
        except TemplateRenderError as error:
            check.errors.append(error)
    static_paths = {
        (variable.line, variable.column): variable.path
        for variable in template_variables(template, under=())
    }
    check.undefined = [_with_static_path(undefined, static_paths) for undefined in check.undefined]
    return check


class _RecordingUndefined(Undefined):
    """Renders as empty text like `Undefined`, and notes the path in the current check."""

    __slots__ = ()

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        check = _CURRENT_CHECK.get()
        # Undefined values made without a token are python-liquid's own (`parentloop`).
        if check is not None and self.token is not None and self.token.start_index >= 0:
            check.undefined.append(_undefined_variable(self))


class _RecordingEnvironment(GroundTruthEnvironment):
    """Reports render errors into the current check and renders on (resource limits stop)."""

    def error(self, exc: Any, msg: str | None = None, token: Any = None) -> None:
        check = _CURRENT_CHECK.get()
        if check is None or not isinstance(exc, LiquidError):
            super().error(exc, msg, token)
            return
        if isinstance(exc, (ResourceLimitError, RenderLimitError)):
            raise exc
        if exc.token is None:
            exc.token = token
        check.errors.append(render_error(exc))


_RECORDING_ENVIRONMENT = _RecordingEnvironment(undefined=_RecordingUndefined)
_CURRENT_CHECK: ContextVar[RenderCheck | None] = ContextVar("gtemu_render_check", default=None)


@contextmanager
def _recording() -> Iterator[RenderCheck]:
    check = RenderCheck(html="")
    reset = _CURRENT_CHECK.set(check)
    try:
        yield check
    finally:
        _CURRENT_CHECK.reset(reset)


def _undefined_variable(undefined: Undefined) -> UndefinedVariable:
    assert undefined.token is not None
    line, column = position_in(undefined.token.source, undefined.token.start_index)
    hint = undefined.hint or ""
    if hint.endswith(" is undefined"):
        return UndefinedVariable(hint.removesuffix(" is undefined").strip("'"), line, column)
    return UndefinedVariable(undefined.name, line, column, reason=hint or "undefined")


def _with_static_path(
    undefined: UndefinedVariable, static_paths: dict[tuple[int | None, int | None], str]
) -> UndefinedVariable:
    """Name an out-of-range index by the path written in the template."""
    if undefined.reason == "undefined":
        return undefined
    path = static_paths.get((undefined.line, undefined.column), undefined.path)
    return UndefinedVariable(path, undefined.line, undefined.column, undefined.reason)


def _template_variable(variable: Variable, source: str) -> TemplateVariable:
    line, column = position_in(source, variable.span.index)
    return TemplateVariable(str(variable), _freeze(variable.segments), line, column)


def _freeze(segments: Segments) -> tuple[Any, ...]:
    return tuple(_freeze(s) if isinstance(s, list) else s for s in segments)


__all__ = [
    "FilterUse",
    "RenderCheck",
    "TemplateVariable",
    "UndefinedVariable",
    "check_render",
    "filter_uses",
    "template_variables",
    "unknown_filters",
]
