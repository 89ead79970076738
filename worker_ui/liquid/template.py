"""Parse a worker task template once, render it for each task input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liquid import BoundTemplate
from liquid.exceptions import (
    ContextDepthError,
    FilterArgumentError,
    FilterError,
    FilterItemTypeError,
    FilterValueError,
    LiquidError,
    LiquidTypeError,
    LocalNamespaceLimitError,
    LoopIterationLimitError,
    OutputStreamLimitError,
    TemplateNotFoundError,
    UndefinedError,
    UnknownFilterError,
)

from .context import BudgetedBuffer, MediaUrl, RenderBudget, TaskContext
from .environment import (
    MEGABYTE,
    OUTPUT_BYTES_LIMIT,
    RENDER_SECONDS_LIMIT,
    GroundTruthEnvironment,
)
from .errors import (
    RenderLimitError,
    TemplateRenderError,
    TemplateSyntaxError,
    location_of,
    position_in,
)

ENVIRONMENT = GroundTruthEnvironment()

_FILTER_ERRORS = (
    FilterError,
    FilterArgumentError,
    FilterValueError,
    FilterItemTypeError,
    LiquidTypeError,
)
_LIMIT_MESSAGES: dict[type[LiquidError], str] = {
    LoopIterationLimitError: (
        f"loop iteration limit reached: more than {ENVIRONMENT.loop_iteration_limit} "
        "iterations (nested loops multiply)"
    ),
    OutputStreamLimitError: (
        f"the rendered page is larger than {OUTPUT_BYTES_LIMIT // MEGABYTE} MB"
    ),
    LocalNamespaceLimitError: (
        f"assigned variables are larger than {OUTPUT_BYTES_LIMIT // MEGABYTE} MB"
    ),
}


@dataclass(frozen=True, eq=False)
class WorkerTemplate:
    """A parsed worker task template (parse once per job, render once per task)."""

    source: str
    bound: BoundTemplate = field(repr=False)
    name: str = "template"


def parse_template(source: str, *, name: str = "template") -> WorkerTemplate:
    """Parse `source` as a Ground Truth template.

    Raises `TemplateSyntaxError` with `.message`, `.line` and `.column` (both 1-based).
    """
    try:
        bound = ENVIRONMENT.from_string(source, name=name)
    except LiquidError as error:
        raise syntax_error(error, source) from None
    return WorkerTemplate(source=source, bound=bound, name=name)


def render_task(
    template: WorkerTemplate,
    task_input: Any,
    *,
    media_url: MediaUrl | None = None,
    time_limit: float = RENDER_SECONDS_LIMIT,
) -> str:
    """Render `template` with `task.input` = `task_input`.

    `media_url(bucket, key)` makes the URL `grant_read_access` returns for an S3 object;
    without it, the plain `https://s3.amazonaws.com/<bucket>/<key>` URL. Raises
    `TemplateRenderError` (`.code`, `.message`, `.line`, `.column`).
    """
    return render_bound(template.bound, task_input, media_url=media_url, time_limit=time_limit)


def render_bound(
    bound: BoundTemplate,
    task_input: Any,
    *,
    media_url: MediaUrl | None = None,
    time_limit: float = RENDER_SECONDS_LIMIT,
) -> str:
    budget = RenderBudget(time_limit)
    context = TaskContext(
        bound,
        globals=bound.make_globals({"task": {"input": task_input}}),
        media_url=media_url,
        budget=budget,
    )
    buffer = BudgetedBuffer(OUTPUT_BYTES_LIMIT, budget)
    try:
        bound.render_with_context(context, buffer)
    except LiquidError as error:
        raise render_error(error) from None
    except RecursionError:
        raise TemplateRenderError("RenderLimitExceeded", "the template nests too deeply") from None
    return buffer.getvalue()


def syntax_error(error: LiquidError, source: str) -> TemplateSyntaxError:
    """Our `TemplateSyntaxError` for a python-liquid parse error, with its position."""
    position = location_of(error)
    message = str(error.message)
    if position is None:
        unclosed = _first_unclosed_block(source)
        if unclosed is not None:
            tag, index = unclosed
            position = position_in(source, index)
            message = f"'{tag}' block is never closed: expected {{% end{tag} %}}"
        else:
            position = position_in(source, len(source))
    return TemplateSyntaxError(message, line=position[0], column=position[1])


def render_error(error: LiquidError) -> TemplateRenderError:
    """Our `TemplateRenderError` for a python-liquid render-time error."""
    line, column = location_of(error) or (None, None)
    return TemplateRenderError(_code_of(error), _message_of(error), line=line, column=column)


def _code_of(error: LiquidError) -> str:
    if isinstance(error, UnknownFilterError):
        return "UnknownFilter"
    if isinstance(error, _FILTER_ERRORS):
        return "InvalidParameters"
    if isinstance(error, (RenderLimitError, ContextDepthError, *_LIMIT_MESSAGES)):
        return "RenderLimitExceeded"
    if isinstance(error, UndefinedError):
        return "UndefinedVariable"
    return "RenderError"


def _message_of(error: LiquidError) -> str:
    for kind, message in _LIMIT_MESSAGES.items():
        if isinstance(error, kind):
            return message
    if isinstance(error, TemplateNotFoundError):
        return f"templates cannot include other templates ({error.message})"
    return str(error.message)


def _first_unclosed_block(source: str) -> tuple[str, int] | None:
    """The name and source index of the first block tag that has no end tag."""
    unclosed = ENVIRONMENT.analyze_tags_from_string(source).unclosed_tags
    blocks = [(span.index, tag) for tag, spans in unclosed.items() for span in spans]
    if not blocks:
        return None
    index, tag = min(blocks)
    return tag, index
