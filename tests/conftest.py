"""Shared Playwright fixtures for the browser tests (a real Chromium, nothing leaves 127.0.0.1).

- `browser`: one headless Chromium per session (`GTEMU_CHROMIUM` or /usr/bin/chromium). Its
  proxy is a closed port with 127.0.0.1/localhost bypassed, so a request to any other host fails
  in the browser itself; `page` records it in `page_log.blocked_requests`.
- `page`: a new page per test, in one browser context per session whose cookies and
  permissions are cleared after every test. Sharing the context shares its HTTP cache: the
  crowd elements' modules (cached for a year) are fetched and compiled once per session instead
  of once per test, which more than halves Chromium's work per test. A test that changes the
  context itself (its clock, for one) is marked `@pytest.mark.fresh_context` and gets a context
  of its own. The test fails if the page logged a console error or threw, unless the test
  declared it with `page_log.allow(pattern)`.
- `live_server(app)`: serves a Flask app with werkzeug on a free port in a thread; returns the
  base URL. `LiveServer` is there for module-scoped servers.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from emulator.server import SHUTDOWN_POLL_SECONDS

CHROMIUM = os.environ.get("GTEMU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Generous waits: CI machines are small and shared; a passing test never waits this long.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
OFF_MACHINE = re.compile(r"^(?:https?|wss?|ftp)://(?!(?:127\.0\.0\.1|localhost)(?:[:/?#]|$))")


# The test files that take longest (seconds of one worker on an idle 2-core machine, in
# brackets), longest first. `scripts/test` runs files in parallel (`--dist loadfile`) and hands
# them out in collection order (`--no-loadscope-reorder`); starting these first keeps a worker
# from being left alone with a long file at the end of the run. A stale list only costs time.
LONGEST_FIRST = (
    "durability/test_large_object.py",  # a 1e9-byte object across kill -9 (45)
    "browser/test_portal.py",  # (43)
    "browser/test_elements_classifiers.py",  # (27)
    "browser/test_elements_vector.py",  # (25)
    "browser/test_elements_overlay.py",  # (22)
    "durability/test_corruption.py",  # (19)
    "durability/test_crash.py",  # kill -9 harness (16)
    "browser/test_elements_form.py",  # (15)
    "workers/test_end_to_end.py",  # (15)
    "durability/test_journal.py",  # (15)
    "cli/test_user_mistakes.py",  # one gtemu process per mistake (13)
    "workers/test_streaming_serve.py",  # (13)
    "hardening/test_load.py",  # twenty concurrent workers (11)
    "cli/test_readme.py",  # the README's blocks with the AWS CLI (11)
    "api/test_serve.py",  # (11)
)


def _file_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0].replace("\\", "/")
    for rank, suffix in enumerate(LONGEST_FIRST):
        if path.endswith(suffix):
            return rank
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith("browser/"):
            item.add_marker(pytest.mark.browser)
    items.sort(key=_file_rank)  # stable: the other files keep their order


@dataclass
class PageLog:
    """What a page did that a test may want to assert on."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Console errors matching `pattern` (a regex) are expected and do not fail the test."""
        self.allowed.append(re.compile(pattern))

    def unexpected_errors(self) -> list[str]:
        errors = self.console_errors + self.page_errors
        return [e for e in errors if not any(p.search(e) for p in self.allowed)]


class LiveServer:
    """A Flask app served by werkzeug on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # `stop()` waits for the loop to see its flag: as often as gtemu's own servers look.
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        args=(SHUTDOWN_POLL_SECONDS,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# Nothing listens on port 9 (discard): a request through this proxy fails at once. Routing
# (`context.route`) would block too, but it turns the HTTP cache off.
NO_WAY_OUT = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost"}
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             proxy=NO_WAY_OUT)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shared_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, page_log: PageLog) -> Iterator[Page]:
    fresh = request.node.get_closest_marker("fresh_context") is not None
    context = (browser.new_context(viewport=VIEWPORT) if fresh
               else request.getfixturevalue("shared_context"))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", lambda m: m.type == "error" and page_log.console_errors.append(m.text))
    page.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
    page.on("requestfailed", lambda r: OFF_MACHINE.match(r.url)
            and page_log.blocked_requests.append(r.url))
    yield page
    if fresh:
        context.close()
    else:
        page.close()
        context.clear_cookies()  # cookies ignore ports: one test's sign-in must not be another's
        context.clear_permissions()
    errors = page_log.unexpected_errors()
    assert not errors, f"the page logged errors: {errors}"


@pytest.fixture
def live_server() -> Iterator[Callable[[Flask], str]]:
    servers: list[LiveServer] = []

    def start(app: Flask) -> str:
        server = LiveServer(app)
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


SVG_IMAGE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">'
    '<rect width="400" height="300" fill="#8ab"/><circle cx="200" cy="150" r="80" fill="#fc3"/>'
    "</svg>"
)


@dataclass
class Submission:
    task_answers: str
    csrf_token: str | None


class TaskSite:
    """A small site for element tests: task pages built from template bodies, the crowd
    elements from `worker_ui.assets`, an image, and a submit endpoint that records each post."""

    def __init__(self) -> None:
        from flask import jsonify, request

        from worker_ui import assets

        self.pages: dict[str, str] = {}
        self.submissions: list[Submission] = []
        self.reply: tuple[int, dict[str, object], float] = (200, {"ok": True}, 0.0)
        app = Flask("gtemu-element-tests")
        app.register_blueprint(assets.blueprint)

        @app.get("/page/<name>")
        def task_page(name: str):
            return self.pages[name]

        @app.get("/favicon.ico")
        def favicon():
            return "", 204

        @app.get("/image.svg")
        def image():
            return app.response_class(SVG_IMAGE, mimetype="image/svg+xml")

        @app.post("/submit")
        def submit():
            import time

            status, body, delay = self.reply
            time.sleep(delay)
            self.submissions.append(
                Submission(request.form["taskAnswers"], request.form.get("csrf_token"))
            )
            return jsonify(body), status

        self.server = LiveServer(app)
        self.url = self.server.url

    def reset(self) -> None:
        self.pages.clear()
        self.submissions.clear()
        self.reply = (200, {"ok": True}, 0.0)

    def page_url(
        self, body: str, *, head: str = "", task: str | None = None, raw: bool = False
    ) -> str:
        """Serves a task page: `body` is the template, as Ground Truth templates come (no html,
        head or title); `task` is the JavaScript of window.GTEMU_TASK (default: submit mode).
        With `raw`, `body` is served as it is."""
        task = task or "{submitUrl: '/submit', csrfToken: 'token-123', mode: 'submit'}"
        name = f"p{len(self.pages)}"
        self.pages[name] = (
            body
            if raw
            else (
                f"{head}<script>window.GTEMU_TASK = {task};</script>\n"
                '<script src="/crowd/crowd-html-elements.js"></script>\n'
                f"{body}"
            )
        )
        return f"{self.url}/page/{name}"


@pytest.fixture(scope="session")
def task_site_server() -> Iterator[TaskSite]:
    site = TaskSite()
    yield site
    site.server.stop()


@pytest.fixture
def task_site(task_site_server: TaskSite) -> TaskSite:
    task_site_server.reset()
    return task_site_server
