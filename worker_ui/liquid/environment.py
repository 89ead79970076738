"""The python-liquid environment that renders Ground Truth worker task templates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liquid import BoundTemplate, Environment, Undefined, builtin
from liquid.exceptions import LiquidError
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.token import TOKEN_EXPRESSION, Token

from . import filters
from .context import TaskContext
from .loops import BUDGETED_LOOP_TAGS
from .output import ESCAPING_TAGS

if TYPE_CHECKING:
    from liquid.ast import Node

MEGABYTE = 1024 * 1024

RENDER_SECONDS_LIMIT = 2.0
OUTPUT_BYTES_LIMIT = 10 * MEGABYTE


class WorkerBoundTemplate(BoundTemplate):
    """A parsed template whose renders escape literals and keep to the render budget."""

    context_class = TaskContext


class GroundTruthEnvironment(Environment):
    """Shopify Liquid with Ground Truth's autoescape and filters (docs/templates.md#the-dialect,
    docs/templates.md#ground-truths-filters).

    Unknown filters are errors; undefined variables render as empty text (or, with
    `undefined=RecordingUndefined`, are also recorded for lint). The resource limits stop
    `{% for %}` bombs: loop iterations (nested loops multiply), output size, local
    variables' size, and, through `TaskContext`, the render time.
    """

    loop_iteration_limit = 1_000_000
    output_stream_limit = OUTPUT_BYTES_LIMIT
    local_namespace_limit = OUTPUT_BYTES_LIMIT
    context_depth_limit = 30
    template_class = WorkerBoundTemplate

    def __init__(self, *, undefined: type[Undefined] = Undefined) -> None:
        super().__init__(autoescape=True, strict_filters=True, undefined=undefined)

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        builtin.register(self)
        for tag in (*ESCAPING_TAGS, *BUDGETED_LOOP_TAGS):
            self.add_tag(tag)
        filters.register(self)

    def _parse(self, source: str) -> list[Node]:
        stream = TokenStream(self.tokenizer()(source))
        try:
            return get_parser(self).parse(stream)
        except LiquidError as error:
            unclosed_block = str(error.message).startswith("expected tag end")
            if error.token is not None and error.token.start_index < 0 and not unclosed_block:
                error.token = _expression_being_parsed(stream) or error.token
            raise


def _expression_being_parsed(stream: TokenStream) -> Token | None:
    """Where an error "found end of expression" is: the expression that ended too early.

    Output statements leave their expression current; tags have already consumed theirs.
    (An unclosed block has no such place; the caller points at its opening tag.)
    """
    if stream.current.kind == TOKEN_EXPRESSION:
        return stream.current
    if stream.pos == 0:
        return None
    previous = stream.tokens[stream.pos - 1]
    return previous if previous.start_index >= 0 else None
