"""Serves gtemu's crowd HTML elements (`static/crowd/`), the local stand-in for
`https://assets.crowd.aws/crowd-html-elements.js` (docs/elements.md#page-assembly).

The entry script `/crowd/crowd-html-elements.js` is revalidated on every load (it is tiny) and
carries a hash of the whole folder; it loads the modules from `/crowd/v/<hash>/...`, which are
cached for a year, so a new gtemu version is never mixed with an old cached module.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, request, send_from_directory

CROWD_DIR = Path(__file__).parent / "static" / "crowd"
ENTRY_SCRIPT = "crowd-html-elements.js"
SCRIPT_URL = f"/crowd/{ENTRY_SCRIPT}"
VERSION_MARKER = "__GTEMU_ASSET_VERSION__"
LONG_CACHE = "public, max-age=31536000, immutable"

blueprint = Blueprint("assets", __name__)


@lru_cache(maxsize=1)
def asset_version() -> str:
    """A short hash of every file under `static/crowd/`."""
    digest = hashlib.sha256()
    for path in sorted(CROWD_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(CROWD_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def _entry_script() -> bytes:
    source = (CROWD_DIR / ENTRY_SCRIPT).read_text(encoding="utf-8")
    return source.replace(VERSION_MARKER, asset_version()).encode()


def _allow_any_origin(response: Response) -> Response:
    # Module scripts are fetched with CORS; a sandboxed preview frame has an opaque origin.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.get(SCRIPT_URL)
@blueprint.get("/crowd/crowd-html-elements-v2.js")
def entry_script() -> Response:
    response = Response(_entry_script(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(asset_version())
    return _allow_any_origin(response.make_conditional(request))


@blueprint.get("/crowd/v/<version>/<path:filename>")
def versioned_asset(version: str, filename: str) -> Response:
    return _static_asset(filename)


@blueprint.get("/crowd/<path:filename>")
def asset(filename: str) -> Response:
    return _static_asset(filename)


def _static_asset(filename: str) -> Response:
    if filename == ENTRY_SCRIPT:
        return entry_script()
    if not filename.endswith((".js", ".css")):
        abort(404)
    # send_from_directory refuses paths that leave the folder (404).
    response = send_from_directory(CROWD_DIR, filename, max_age=31536000)
    response.headers["Cache-Control"] = LONG_CACHE
    if filename.endswith(".js"):
        response.mimetype = "text/javascript"
    return _allow_any_origin(response)
