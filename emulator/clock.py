"""Time for the emulator: real time under `gtemu serve`, a virtual clock in tests.

Every part of gtemu that needs "now" asks `emulator.clock.now()`; nothing calls
`datetime.now()` directly. The clock belongs to the gtemu instance the code runs for (its
`emulator.runtime.Runtime`), so two instances in one process keep their own time. Tests
advance the virtual clock to make time limits, lifetimes and batch flushes happen without
sleeping.
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


def now() -> datetime:
    """The current time of the emulator (timezone-aware, UTC): the current runtime's clock."""
    return _runtime.current().clock.now()


def get_clock() -> Clock:
    """The clock of the current runtime (`emulator.runtime.current()`)."""
    return _runtime.current().clock


# At the end: emulator.runtime imports the clock classes above.
from emulator import runtime as _runtime  # noqa: E402
