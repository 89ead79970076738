"""The Chromium the browser benchmarks drive, and how they start it.

`GTEMU_CHROMIUM` if set; else Debian's desktop `chromium`, the build closest to a worker's
browser; else Debian's `chromium-headless-shell`, the one `scripts/test` installs for the tests.
"""

from __future__ import annotations

import os

BUILDS = ("/usr/bin/chromium", "/usr/bin/chromium-headless-shell")
CHROMIUM = os.environ.get("GTEMU_CHROMIUM") or next(
    (path for path in BUILDS if os.path.exists(path)), BUILDS[0])
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
