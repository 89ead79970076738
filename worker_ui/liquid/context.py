"""The render context of one task: where media URLs come from, and the render budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from liquid import RenderContext
from liquid.output import LimitedStringIO

from .errors import RenderLimitError

if TYPE_CHECKING:
    from io import StringIO
    from typing import TextIO

    from liquid import BoundTemplate

MediaUrl = Callable[[str, str], str]


class RenderBudget:
    """A wall-clock deadline for one render (docs/templates.md#render-limits: at most 2 s)."""

    __slots__ = ("deadline", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimitError(
                f"rendering took longer than {self.seconds:g} seconds", token=None
            )


class BudgetedBuffer(LimitedStringIO):
    """An output buffer that enforces the size limit and the render deadline."""

    def __init__(self, limit: int, budget: RenderBudget) -> None:
        super().__init__(limit=limit)
        self.budget = budget

    def write(self, text: str) -> int:
        self.budget.check()
        return super().write(text)


class TaskContext(RenderContext):
    """A render context carrying the media URL function and the render budget.

    `autoescape` is switched off on the context (never on the environment): python-liquid
    turns string literals into safe markup when the context autoescapes, but Ground Truth
    escapes literals too (docs/templates.md#the-dialect), so our output node escapes every unsafe
    value itself.
    """

    __slots__ = ("budget", "media_url")

    def __init__(
        self,
        template: BoundTemplate,
        *,
        media_url: MediaUrl | None = None,
        budget: RenderBudget | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(template, **kwargs)
        parent = kwargs.get("parent_context")
        if isinstance(parent, TaskContext):
            media_url, budget = parent.media_url, parent.budget
        self.media_url = media_url
        self.budget = budget or RenderBudget(float("inf"))
        self.autoescape = False

    def get_buffer(self, buf: TextIO | None = None) -> StringIO:
        limit = self.env.output_stream_limit or 0
        if isinstance(buf, LimitedStringIO):
            limit -= buf.size
        return BudgetedBuffer(limit, self.budget)

    def assign(self, key: str, val: Any) -> None:
        self.budget.check()
        super().assign(key, val)

    def raise_for_loop_limit(self, length: int = 1) -> None:
        self.budget.check()
        super().raise_for_loop_limit(length)
