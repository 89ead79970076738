"""`for` and `tablerow` that check the render budget on every iteration.

python-liquid limits how many iterations a loop may have, but not how long they take: a
million iterations of an `if` take seconds. Checking the deadline before each pass through
the loop body bounds the render time whatever the body does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from liquid.ast import BlockNode
from liquid.builtin.tags.for_tag import ForTag
from liquid.builtin.tags.tablerow_tag import TablerowTag

from .context import TaskContext

if TYPE_CHECKING:
    from typing import TextIO

    from liquid import RenderContext
    from liquid.ast import Node
    from liquid.stream import TokenStream


class BudgetedBlockNode(BlockNode):
    """A loop body that first checks the render deadline."""

    __slots__ = ()

    @classmethod
    def around(cls, block: BlockNode) -> BudgetedBlockNode:
        return cls(block.token, block.nodes)

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        if isinstance(context, TaskContext):
            context.budget.check()
        return super().render_to_output(context, buffer)

    async def render_to_output_async(self, context: RenderContext, buffer: TextIO) -> int:
        if isinstance(context, TaskContext):
            context.budget.check()
        return await super().render_to_output_async(context, buffer)


class BudgetedForTag(ForTag):
    def parse(self, stream: TokenStream) -> Node:
        node = super().parse(stream)
        node.block = BudgetedBlockNode.around(node.block)  # type: ignore[attr-defined]
        return node


class BudgetedTablerowTag(TablerowTag):
    def parse(self, stream: TokenStream) -> Node:
        node = super().parse(stream)
        node.block = BudgetedBlockNode.around(node.block)  # type: ignore[attr-defined]
        return node


BUDGETED_LOOP_TAGS = (BudgetedForTag, BudgetedTablerowTag)
