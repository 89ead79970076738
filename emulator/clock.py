"""Time for the emulator: real time under `gtemu serve`, a virtual clock in tests.

Every part of gtemu that needs "now" asks `emulator.clock.now()`; nothing calls
`datetime.now()` directly. Tests advance the virtual clock to make time limits,
lifetimes and batch flushes happen without sleeping.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class RealClock:
    """Wall-clock time, UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def advance(self, seconds: float) -> None:
        raise TypeError("the real clock cannot be advanced; use a VirtualClock")


class VirtualClock:
    """A clock that only moves when told to.

    It starts at the current wall-clock time (so timestamps look like real ones) and
    each reading moves it on by one microsecond, so that things created one after the
    other keep their order (list sorting by creation time stays meaningful).
    """

    _TICK = timedelta(microseconds=1)

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += self._TICK
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += timedelta(seconds=seconds)


_clock: Clock = VirtualClock()


def now() -> datetime:
    """The current time of the emulator (timezone-aware, UTC)."""
    return _clock.now()


def get_clock() -> Clock:
    return _clock


def use_clock(clock: Clock) -> Clock:
    """Install `clock` for the whole process; returns the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous
