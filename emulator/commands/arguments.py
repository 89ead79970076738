"""Argument types shared by the sub-commands: numbers within a range, with argparse's errors."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def int_between(low: int, high: float = math.inf) -> Callable[[str], int]:
    """An argparse `type` for an integer in [low, high]."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            bound = f"at least {low}" if high == math.inf else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    return parse


def probability(text: str) -> float:
    """An argparse `type` for a number in [0, 1]."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value
