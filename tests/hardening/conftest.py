"""Fixtures for the hardening tests: gtemu on real loopback ports, and a real Chromium.

The Chromium fixtures (`browser`, `page`, `page_log`, `live_server`) come from
`tests/conftest.py`, so that every suite drives the one session browser.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from emulator.server import GtemuServer


@pytest.fixture(scope="module")
def gtemu() -> Iterator[GtemuServer]:
    """`gtemu serve` in this process: the fake AWS endpoint and the worker UI on free ports of
    127.0.0.1, on the real clock."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with GtemuServer(host="127.0.0.1", port=0, ui_port=0) as server:
        yield server
