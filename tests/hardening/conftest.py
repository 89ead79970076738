"""Fixtures for the hardening tests: gtemu on real loopback ports, and a real Chromium.

The Chromium fixtures are the browser tests' own (`tests/browser/conftest.py`), loaded from
that file so that both suites drive the same browser with the same options.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.server import GtemuServer


def _browser_fixtures():
    path = Path(__file__).parent.parent / "browser" / "conftest.py"
    spec = importlib.util.spec_from_file_location("gtemu_browser_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_browser = _browser_fixtures()
browser = _browser.browser
page_log = _browser.page_log
page = _browser.page
live_server = _browser.live_server


@pytest.fixture(scope="module")
def gtemu() -> Iterator[GtemuServer]:
    """`gtemu serve` in this process: the fake AWS endpoint and the worker UI on free ports of
    127.0.0.1, on the real clock."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with GtemuServer(host="127.0.0.1", port=0, ui_port=0) as server:
        yield server
