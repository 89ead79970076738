"""The worker UI's app factory: portal, media, worker JSON API, dashboard, preview."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from emulator import runtime
from emulator.worker_token import new_token
from worker_ui import (
    assets,
    dashboard,
    human_task_uis,
    media,
    portal,
    preview,
    request_limits,
    worker_api,
)

# Each module exposes a Flask blueprint named `blueprint`, registered in this order.
BLUEPRINT_MODULES = (
    request_limits,
    media,
    worker_api,
    portal,
    dashboard,
    preview,
    assets,
    human_task_uis,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # Where the fake AWS lives, for pages that link to it.
        AWS_ENDPOINT_URL=None,
        MEDIA_URL_TTL_SECONDS=900,
        # The credential of the workers' JSON API (/api/v1); gtemu serve passes its own.
        WORKER_TOKEN=new_token(),
    )
    if config:
        app.config.update(config)
    for module in BLUEPRINT_MODULES:
        app.register_blueprint(module.blueprint)
    # Browsers ask for /favicon.ico on pages that cannot name an icon (a manifest shown as
    # text); "no content" says there is none without logging a 404 in the worker's console.
    app.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))
    # The app belongs to the gtemu instance it was made in (a server's, a test's
    # `groundtruth`): its requests run in that runtime, in whatever thread serves them.
    app.wsgi_app = runtime.current().wsgi(app.wsgi_app)  # type: ignore[method-assign]
    return app
