"""The browser fixtures of tests/browser (one session Chromium, a page that fails the test on
console errors), shared here without a second copy."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "gtemu_browser_fixtures", Path(__file__).parent.parent / "browser" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_browser_fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _browser_fixtures  # dataclasses look their module up
_spec.loader.exec_module(_browser_fixtures)

LiveServer = _browser_fixtures.LiveServer
browser = _browser_fixtures.browser
page = _browser_fixtures.page
page_log = _browser_fixtures.page_log
