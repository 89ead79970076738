"""How soon the crowd elements make a task page workable in Chromium (issue 5: < 150 ms).

    python benchmarks/elements_ready.py [--loads N]

Serves the built-in multi-label template (rendered by worker_ui.liquid, crowd assets rewritten to
worker_ui.assets) from a local werkzeug server and measures, in the page's own clock, the time
from navigation start to `all-crowd-elements-ready` (elements defined and rendered), with an
empty cache (new browser context per load) and a warm one (same context), and the time from
Ctrl+Enter to the server's acknowledgement. Prints medians and 95th percentiles.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import threading
from importlib import resources

from browser import CHROMIUM, CHROMIUM_ARGS
from flask import Flask, jsonify
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from worker_ui import assets
from worker_ui.liquid import parse_template, render_task, rewrite_crowd_assets

READY_AT = (
    "document.addEventListener('all-crowd-elements-ready',"
    " () => { window.readyAt = performance.now(); })"
)
SUBMIT = """() => new Promise((resolve) => {
  const started = performance.now();
  document.addEventListener('gtemu:submitted', () => resolve(performance.now() - started));
  document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', ctrlKey: true}));
})"""


def task_app() -> Flask:
    source = resources.files("gtemu_fixtures").joinpath("multilabel/template.liquid.html")
    template = parse_template(source.read_text())
    labels = ["circle", "square", "triangle", "red", "green", "blue"]
    html = render_task(
        template,
        {"taskObject": "s3://bucket/image.png", "labels": labels},
        media_url=lambda bucket, key: "/image.svg",
    )
    page = (
        "<script>window.GTEMU_TASK = {submitUrl: '/submit', mode: 'submit'};</script>\n"
        + rewrite_crowd_assets(html, assets.SCRIPT_URL)
    )
    app = Flask("elements-benchmark")
    app.register_blueprint(assets.blueprint)
    app.add_url_rule("/task", "task", lambda: page)
    app.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))
    app.add_url_rule(
        "/image.svg",
        "image",
        lambda: app.response_class(
            '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"/>',
            mimetype="image/svg+xml",
        ),
    )
    app.add_url_rule("/submit", "submit", lambda: jsonify(ok=True), methods=["POST"])
    return app


def ready_ms(page, url: str) -> float:
    page.goto(url)
    page.wait_for_function("window.readyAt !== undefined")
    return page.evaluate("window.readyAt")


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"{name:<34} median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=30)
    loads = parser.parse_args().loads
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, task_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/task"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cold = []
        for _ in range(loads):
            context = browser.new_context()
            context.add_init_script(READY_AT)
            cold.append(ready_ms(context.new_page(), url))
            context.close()
        context = browser.new_context()
        context.add_init_script(READY_AT)
        page = context.new_page()
        ready_ms(page, url)
        warm, submits = [], []
        for _ in range(loads):
            warm.append(ready_ms(page, url))
            page.keyboard.press("1")
            submits.append(page.evaluate(SUBMIT))
        browser.close()
    server.shutdown()
    report("ready, empty cache", cold)
    report("ready, warm cache", warm)
    report("Ctrl+Enter -> server acknowledged", submits)


if __name__ == "__main__":
    main()
