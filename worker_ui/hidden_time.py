"""Seconds each task page was hidden, as the portal's chrome reports them (docs/portal.md)."""

from __future__ import annotations

import threading


class HiddenTime:
    """Seconds each task's page was hidden (Page Visibility API), reported by the chrome."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds: dict[str, float] = {}

    def add(self, task_id: str, seconds: float, ceiling: float) -> float:
        with self._lock:
            total = min(self._seconds.get(task_id, 0.0) + seconds, max(ceiling, 0.0))
            self._seconds[task_id] = total
            return total

    def seconds(self, task_id: str, ceiling: float) -> float:
        with self._lock:
            return min(self._seconds.get(task_id, 0.0), max(ceiling, 0.0))

    def pop(self, task_id: str) -> float:
        with self._lock:
            return self._seconds.pop(task_id, 0.0)
