"""Waiting in a command's main thread until the user stops it (Ctrl-C, or SIGTERM)."""

from __future__ import annotations

import signal
import threading

# How often the waiting main thread wakes. The kernel may hand a process's SIGINT to any of its
# threads (the servers run several); CPython then runs the handler only when the main thread
# next runs Python code, so a main thread blocked in one long sleep could miss Ctrl-C for good.
WAKE_SECONDS = 0.5


def wait_until_interrupted() -> None:
    """Block until SIGINT or SIGTERM arrives (whichever thread the kernel gives it to); the
    previous handlers are put back afterwards. Call from the main thread."""
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {number: signal.signal(number, request_stop)
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(WAKE_SECONDS):
            pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
