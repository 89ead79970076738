"""Random ids that a durable `gtemu serve` can draw again, identically, when it replays its
journal (emulator.durable): task ids and JobReferenceCodes come from here, not from `uuid4`.

In-memory mode draws from an unpredictable seed; the journal re-seeds before every recorded
change with a secret of the state directory and the change's sequence number.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_random = random.Random(secrets.randbits(128))


def seed(value: str) -> None:
    _random.seed(value)


def token_hex(nbytes: int = 16) -> str:
    return f"{_random.getrandbits(nbytes * 8):0{nbytes * 2}x}"


def choice(options: Sequence[T]) -> T:
    return _random.choice(options)
