"""Shared Playwright fixtures for the browser tests (a real Chromium, nothing leaves 127.0.0.1).

- `browser`: one headless Chromium per session: `GTEMU_CHROMIUM`, else Debian's headless shell
  (/usr/bin/chromium-headless-shell), else Debian's full browser (/usr/bin/chromium). Its
  proxy is a closed port with 127.0.0.1/localhost bypassed, so a request to any other host fails
  in the browser itself; `page` records it in `page_log.blocked_requests`.
- `page`: one page per session, in one browser context per session, handed from test to test.
  After each test the page goes to about:blank (the test's document, its timers and frames are
  gone), and the context's cookies and permissions are cleared. Sharing the context shares its
  HTTP cache: the crowd elements' modules (cached for a year) are fetched once per session.
  Sharing the page shares its renderer process, which keeps them compiled: a task page costs
  Chromium about 0.18 s of CPU in a page that is there and 0.6 s in a new one. The viewport is
  set back to its size; a page a test changed in a way about:blank does not undo (a listener
  it added; closed) is closed and the next test gets a new one. A test that changes the
  context itself (its clock, for one) is marked `@pytest.mark.fresh_context` and gets a context
  and page of its own. The test fails if the page logged a console error or threw, unless the
  test declared it with `page_log.allow(pattern)`.
- `live_server(app)`: serves a Flask app with werkzeug on a free port in a thread; returns the
  base URL. `LiveServer` is there for module-scoped servers.
"""

from __future__ import annotations

import gc
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from emulator.cli import YOUNG_GENERATION
from emulator.server import SHUTDOWN_POLL_SECONDS

# Chromium's headless shell is the browser Playwright itself runs headless tests in: the same
# Blink and V8 as the full browser, without its desktop layers. The browser tests cost Chromium
# 63-74 CPU-s in it against 91-96 in the full browser (tests/browser, one process, same period).
# scripts/test installs it; a machine that has only the full browser runs the tests in that.
CHROMIUM_BUILDS = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
CHROMIUM = os.environ.get("GTEMU_CHROMIUM") or next(
    (path for path in CHROMIUM_BUILDS if os.path.exists(path)), CHROMIUM_BUILDS[0])
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Generous waits: CI machines are small and shared; a passing test never waits this long.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
OFF_MACHINE = re.compile(r"^(?:https?|wss?|ftp)://(?!(?:127\.0\.0\.1|localhost)(?:[:/?#]|$))")


# The test files that take longest (seconds when the suite runs in one process on an idle
# 2-core machine, in brackets), longest first. `scripts/test` runs files in parallel
# (`--dist loadfile`) and hands them out in collection order (`--no-loadscope-reorder`);
# starting these first keeps a worker from being left alone with a long file at the end of the
# run. A stale list only costs time.
LONGEST_FIRST = (
    "browser/test_portal.py",  # (20)
    "durability/test_crash.py",  # kill -9 harness (17)
    "durability/test_corruption.py",  # (14)
    "workers/test_streaming_serve.py",  # (13)
    "hardening/test_load.py",  # twenty concurrent workers (13)
    "workers/test_end_to_end.py",  # (11)
    "durability/test_large_object.py",  # a 1e9-byte object across kill -9 (11)
    "cli/test_user_mistakes.py",  # one gtemu process per mistake (10)
    "cli/test_readme.py",  # the README's blocks with the AWS CLI (10)
    "api/test_serve.py",  # (9)
    "browser/test_elements_vector.py",  # (7)
    "cli/test_startup.py",  # one interpreter per command (7)
    "browser/test_elements_overlay.py",  # (7)
    "portal/test_portal.py",  # (6)
    "browser/test_elements_classifiers.py",  # (6)
)


def _file_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0].replace("\\", "/")
    for rank, suffix in enumerate(LONGEST_FIRST):
        if path.endswith(suffix):
            return rank
    return len(LONGEST_FIRST)


def pytest_configure(config: pytest.Config) -> None:
    # Python's cyclic garbage collector was a third of a test worker's CPU: tests allocate
    # heavily (parsed JSON, botocore's models, moto's objects), and each full collection walked
    # the whole heap again. The young generation the `gtemu` program uses (emulator/cli.py)
    # makes full collections rare here too. On the engine, API and portal tests (327 tests, one
    # process) collection went from 18.5 CPU-s of 60 to 3.9 with the freeze below.
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])


def pytest_collection_finish(session: pytest.Session) -> None:
    # What is imported and collected now lives to the end of the session: frozen, the
    # collector does not walk it again (reference counting still frees what is released).
    gc.freeze()


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


class _WatchedPage:
    """A page with the handlers that fill the current test's `PageLog` (one set of handlers for
    the page's whole life, pointed at each test's log in turn)."""

    def __init__(self, context: BrowserContext) -> None:
        self.log = PageLog()
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.log.console_errors.append(
            m.text))
        self.page.on("pageerror", lambda error: self.log.page_errors.append(str(error)))
        self.page.on("requestfailed", lambda r: OFF_MACHINE.match(r.url)
                     and self.log.blocked_requests.append(r.url))
        self._listeners = self._listener_counts()

    def _listener_counts(self) -> dict[str, int] | None:
        # The public API cannot list a page's listeners; this reads Playwright's emitter and
        # gives None (the page is then not reused) should a Playwright release move it.
        try:
            events = self.page._impl_obj._events  # noqa: SLF001
            return {name: len(handlers) if isinstance(handlers, list) else 1
                    for name, handlers in events.items()}
        except Exception:
            return None

    def hand_to(self, log: PageLog) -> Page:
        self.log = log
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.set_default_navigation_timeout(TIMEOUT_MS)
        return self.page

    def reusable_after_test(self) -> bool:
        """Leave the test's document (so that it logs nothing more) and tell whether the page is
        as a new one would be; a page that is not is closed."""
        page = self.page
        reusable = (not page.is_closed() and self._listeners is not None
                    and self._listener_counts() == self._listeners)
        if not page.is_closed():
            try:
                page.goto("about:blank")
                if page.viewport_size != VIEWPORT:
                    page.set_viewport_size(VIEWPORT)
            except PlaywrightError:
                reusable = False  # a dialog or a hung document: start afresh
        if not reusable and not page.is_closed():
            page.close()
        return reusable


@pytest.fixture(scope="session")
def _shared_pages() -> list[_WatchedPage]:
    """The page waiting for the next test (at most one, per session)."""
    return []


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, page_log: PageLog) -> Iterator[Page]:
    fresh = request.node.get_closest_marker("fresh_context") is not None
    if fresh:
        context = browser.new_context(viewport=VIEWPORT)
        watched = _WatchedPage(context)
    else:
        context = request.getfixturevalue("shared_context")
        waiting: list[_WatchedPage] = request.getfixturevalue("_shared_pages")
        watched = waiting.pop() if waiting else _WatchedPage(context)
    yield watched.hand_to(page_log)
    if fresh:
        context.close()
    else:
        if watched.reusable_after_test():
            waiting.append(watched)
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
