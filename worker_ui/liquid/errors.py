"""Errors raised by the Ground Truth Liquid environment, with line and column."""

from __future__ import annotations

from liquid.exceptions import FilterArgumentError, LiquidError

__all__ = [
    "InvalidParametersError",
    "RenderLimitError",
    "TemplateError",
    "TemplateRenderError",
    "TemplateSyntaxError",
    "location_of",
]


class TemplateError(Exception):
    """Base class: a message and, where known, a 1-based line and column."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        """The message with its position, as RenderUiTemplate and FailureReason show it."""
        if self.line is None:
            return self.message
        return f"{self.message} (line {self.line}, column {self.column})"


class TemplateSyntaxError(TemplateError):
    """The template is not valid Liquid; found when it is parsed."""

    code = "TemplateSyntaxError"


class TemplateRenderError(TemplateError):
    """The template parsed but failed while rendering one task input.

    `code` is `InvalidParameters` for a filter given a value it cannot use
    (docs/api.md#renderuitemplate),
    `UnknownFilter`, `RenderLimitExceeded`, or `RenderError` for anything else.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ):
        self.code = code
        super().__init__(message, line=line, column=column)


class InvalidParametersError(FilterArgumentError):
    """Raised by a Ground Truth filter given an input it cannot use.

    A `FilterArgumentError` so that python-liquid attaches the filter's own token (its line
    and column) to it.
    """


class RenderLimitError(LiquidError):
    """A render went over its time or size budget."""


def location_of(error: LiquidError) -> tuple[int, int] | None:
    """The 1-based line and column of a python-liquid error, if it carries a position."""
    token = error.token
    if token is None or token.start_index < 0 or not token.source:
        return None
    return position_in(token.source, token.start_index)


def position_in(source: str, index: int) -> tuple[int, int]:
    """1-based line and column of character `index` of `source`."""
    index = max(0, min(index, len(source)))
    line_start = source.rfind("\n", 0, index) + 1
    return source.count("\n", 0, index) + 1, index - line_start + 1
