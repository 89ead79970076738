"""Ctrl-C stops a waiting command whichever of its threads the kernel hands the signal to."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# The signal goes to a helper thread, as the kernel may do with a process's SIGINT once a
# server runs threads; the main thread, waiting, must still end (a plain long sleep never did).
SCRIPT = textwrap.dedent("""
    import signal, sys, threading
    from emulator.commands.interrupt import wait_until_interrupted

    ready = threading.Event()

    def send_to_myself():
        ready.wait()
        signal.pthread_kill(threading.get_ident(), signal.{name})

    threading.Thread(target=send_to_myself).start()
    threading.Timer(0.2, ready.set).start()
    wait_until_interrupted()
    print("stopped", signal.getsignal(signal.{name}) is not None)
""")


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_given_to_another_thread_ends_the_wait(name: str) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(name=name)],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "stopped True"), done.stderr
