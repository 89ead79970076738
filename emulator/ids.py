"""Random ids that a durable `gtemu serve` can draw again, identically, when it replays its
journal (emulator.durable): task ids and JobReferenceCodes come from here, not from `uuid4`.

The generator is the current runtime's (`emulator.runtime`). In-memory mode draws from an
unpredictable seed; the journal re-seeds before every recorded change with a secret of the
state directory and the change's sequence number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from emulator import runtime

T = TypeVar("T")


def seed(value: str) -> None:
    runtime.current().ids.seed(value)


def token_hex(nbytes: int = 16) -> str:
    return runtime.current().ids.token_hex(nbytes)


def choice(options: Sequence[T]) -> T:
    return runtime.current().ids.choice(options)
