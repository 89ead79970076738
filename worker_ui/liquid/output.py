"""Output statements and the tags that write values, escaping as Ground Truth does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liquid.builtin.output import Output, OutputNode
from liquid.builtin.tags.capture_tag import CaptureNode, CaptureTag
from liquid.builtin.tags.cycle_tag import CycleNode, CycleTag
from liquid.builtin.tags.echo_tag import EchoNode, EchoTag
from markupsafe import Markup

from .text import escape_html, to_output

if TYPE_CHECKING:
    from io import StringIO
    from typing import TextIO

    from liquid import RenderContext


class EscapingOutputNode(OutputNode):
    """`{{ … }}`: every value is escaped unless a filter marked it safe (literals too)."""

    __slots__ = ()

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return buffer.write(to_output(self.expression.evaluate(context)))

    async def render_to_output_async(self, context: RenderContext, buffer: TextIO) -> int:
        return buffer.write(to_output(await self.expression.evaluate_async(context)))


class EscapingOutput(Output):
    node_class = EscapingOutputNode


class EscapingEchoNode(EchoNode, EscapingOutputNode):
    """`{% echo … %}` escapes like an output statement."""

    __slots__ = ()


class EscapingEchoTag(EchoTag):
    node_class = EscapingEchoNode


class SafeCaptureNode(CaptureNode):
    """Captured text is already escaped where it came from a value, so it is safe markup."""

    __slots__ = ()

    def _assign(self, context: RenderContext, buf: StringIO) -> None:
        context.assign(self.name, Markup(buf.getvalue()))


class SafeCaptureTag(CaptureTag):
    node_class = SafeCaptureNode


class _EscapingWriter:
    """Escapes what `cycle` writes; python-liquid's cycle only escapes when the context does."""

    def __init__(self, buffer: TextIO) -> None:
        self.buffer = buffer

    def write(self, text: str) -> int:
        return self.buffer.write(str(escape_html(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.buffer, name)


class EscapingCycleNode(CycleNode):
    __slots__ = ()

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return super().render_to_output(context, _EscapingWriter(buffer))  # type: ignore[arg-type]

    async def render_to_output_async(self, context: RenderContext, buffer: TextIO) -> int:
        writer = _EscapingWriter(buffer)
        return await super().render_to_output_async(context, writer)  # type: ignore[arg-type]


class EscapingCycleTag(CycleTag):
    node_class = EscapingCycleNode


ESCAPING_TAGS = (EscapingOutput, EscapingEchoTag, SafeCaptureTag, EscapingCycleTag)
