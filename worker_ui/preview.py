"""The template designer's live preview (`gtemu preview`, docs/designer.md).

`/preview/` shows the template rendered for one sample exactly as a worker's task page (same
renderer, same crowd elements, in a sandboxed iframe), reloads when the template or the
sample data change on disk, shows Liquid errors with their source lines, the variables the
template reads against what the sample provides, the lint findings, and the JSON a submit
would post, checked against each element's contract. Nothing is posted to a job: the page
runs the crowd elements in preview mode (`window.GTEMU_TASK.mode = "preview"`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
)
from markupsafe import escape

from worker_ui.lint import (
    Finding,
    Sample,
    SampleCheck,
    SampleData,
    TemplateLinter,
    check_answer,
    load_samples,
    merge_findings,
    variables_report,
)
from worker_ui.liquid.crowd_assets import rewrite_crowd_assets
from worker_ui.liquid.filters import public_s3_url

EXTENSION_KEY = "gtemu.preview"
POLL_SECONDS = 0.2
LONG_POLL_SECONDS = 20.0
EXCERPT_LINES = 3
MAX_READS_PER_RELOAD = 5
CROWD_SCRIPT_URL = "/crowd/crowd-html-elements.js"
FRAME_SANDBOX = "allow-scripts allow-forms allow-modals allow-popups"

blueprint = Blueprint("preview", __name__, url_prefix="/preview", template_folder="templates")


@dataclass(frozen=True)
class PreviewSource:
    """What `gtemu preview` was given."""

    template: Path
    input_file: Path | None = None
    manifest: Path | None = None
    labels: Path | None = None
    line: int | None = None
    pre_lambda: str | None = None


class PreviewSession:
    """The template and sample data being previewed, reloaded when their files change."""

    def __init__(self, source: PreviewSource) -> None:
        self.source = source
        self.version = 0
        self._lock = threading.RLock()
        self._secret = secrets.token_bytes(16)
        self._files: dict[str, Path] = {}
        self._fingerprint: tuple[Any, ...] = ()
        self.template_text = ""
        self.template_error: str | None = None
        self.linter = TemplateLinter("", str(source.template))
        self.data = SampleData()
        self._reload()

    # Files and reloading

    def refresh(self) -> bool:
        """Reloads if a watched file changed since the last load; True if it did."""
        with self._lock:
            if self._current_fingerprint() == self._fingerprint:
                return False
            self._reload()
            return True

    def wait_for_change(self, since: int, timeout: float) -> int:
        """The version, once it differs from `since` or `timeout` seconds passed."""
        deadline = time.monotonic() + timeout
        while self.version == since and time.monotonic() < deadline:
            self.refresh()
            if self.version == since:
                time.sleep(POLL_SECONDS)
        return self.version

    def _watched(self) -> list[Path]:
        return [self.source.template, *self.data.watched_files]

    def _current_fingerprint(self) -> tuple[Any, ...]:
        return tuple(_stat(path) for path in self._watched())

    def _reload(self) -> None:
        """Reads the files and records the fingerprint they had *before* the read, re-reading
        while a save lands during the read: a save between the read and the fingerprint
        would otherwise count as seen and the page would stay on the older text."""
        for _ in range(MAX_READS_PER_RELOAD):
            before = {path: _stat(path) for path in self._watched()}
            self._read_files()
            if all(_stat(path) == seen for path, seen in before.items()):
                break
        # Files the new sample data watch for the first time count as of now. After
        # MAX_READS_PER_RELOAD busy reads, the older `before` makes the next refresh read again
        # rather than miss the last save.
        self._fingerprint = tuple(
            before[path] if path in before else _stat(path) for path in self._watched()
        )
        self.version += 1

    def _read_files(self) -> None:
        path = self.source.template
        try:
            self.template_text = path.read_text(encoding="utf-8")
            self.template_error = None
        except (OSError, UnicodeDecodeError) as error:
            self.template_text = ""
            self.template_error = f"cannot read {path}: {error}"
        self.linter = TemplateLinter(self.template_text, str(path))
        source = self.source
        self.data = load_samples(
            input_file=source.input_file,
            manifest=source.manifest,
            labels=source.labels,
            line=source.line,
            pre_lambda=source.pre_lambda,
            template=self.template_text,
        )

    # Media: local files stand in for S3 objects

    def media_url(self, bucket: str, key: str) -> str | None:
        """A `/preview/files/<token>` URL for the local file that stands for s3://bucket/key,
        or None when there is none."""
        local = self._local_file(bucket, key)
        if local is None:
            return None
        token = hmac.new(self._secret, str(local).encode(), hashlib.sha256).hexdigest()[:32]
        with self._lock:
            self._files[token] = local
        return f"/preview/files/{token}"

    def file_for(self, token: str) -> Path | None:
        with self._lock:
            return self._files.get(token)

    def _local_file(self, bucket: str, key: str) -> Path | None:
        """The file whose path ends like the object's key, under the folder of the sample
        data or the template (or the folder above it)."""
        key_path = Path(key)
        if key_path.is_absolute() or ".." in key_path.parts:
            return None
        for root in self._media_roots():
            for candidate in (root / key_path, root / bucket / key_path, root / key_path.name):
                resolved = candidate.resolve()
                if resolved.is_file() and resolved.is_relative_to(root):
                    return resolved
        return None

    def _media_roots(self) -> list[Path]:
        near = [self.source.manifest, self.source.input_file, self.source.template]
        roots: list[Path] = []
        for path in near:
            if path is None:
                continue
            folder = path.resolve().parent
            for root in (folder, folder.parent):
                if root not in roots:
                    roots.append(root)
        return roots

    # What the page shows

    def check(self, index: int) -> SampleCheck | None:
        """The render and checks of sample `index` (None on a syntax error), with a problem for
        each S3 object the page shows that nothing here can serve (its URL would 404)."""
        with self._lock:
            if self.linter.template is None:
                return None
            unresolved: list[str] = []
            check = self.linter.check_sample(
                self._sample(index),
                categories=self.data.categories,
                media_url=_media_url_function(unresolved),
            )
            check.findings.extend(self._unresolved_media_findings(unresolved, check))
            return check

    def _unresolved_media_findings(
        self, unresolved: list[str], check: SampleCheck
    ) -> list[Finding]:
        if not unresolved:
            return []
        # The media function does not know where in the template it was called: point at the
        # first grant_read_access, where the URL is made.
        line, column = _position_of(self.template_text, "grant_read_access")
        folders = ", ".join(str(root) for root in self._media_roots())
        samples = (check.sample.name,) if check.sample else ()
        return [
            Finding(
                str(self.source.template), line, column, "error", "media-not-found",
                f"{uri} cannot be shown: no file named like its key under {folders}"
                " (and no such object in gtemu's S3); the page's request for it gets 404",
                samples,
            )
            for uri in dict.fromkeys(unresolved)
        ]

    def state(self, index: int, check: SampleCheck | None = None) -> dict[str, Any]:
        """Everything the preview page shows for sample `index`, as JSON."""
        with self._lock:
            check = check or self.check(index)
            sample = check.sample if check else self._sample(index)
            findings = list(self.data.findings) + self.linter.static_findings()
            if check is not None:
                findings += check.findings
            template = self.linter.template
            variables = (
                variables_report(template, sample.task_input if sample else {})
                if template is not None
                else None
            )
            return {
                "version": self.version,
                "template": str(self.source.template),
                "sample": index if sample else None,
                "samples": [
                    {"index": i, "name": s.name, "skipped": s.skipped}
                    for i, s in enumerate(self.data.samples)
                ],
                "task_input": sample.task_input if sample else None,
                "skipped": bool(sample and sample.skipped),
                "error": self._error(check),
                "findings": [f.to_json() for f in merge_findings(findings)],
                "variables": variables.to_json() if variables else None,
                "external_resources": check.page.external_resources if check else [],
            }

    def _sample(self, index: int) -> Sample | None:
        samples = self.data.samples
        return samples[index] if 0 <= index < len(samples) else None

    def _error(self, check: SampleCheck | None) -> dict[str, Any] | None:
        if self.template_error:
            return {
                "kind": "file",
                "code": "FileError",
                "message": self.template_error,
                "line": None,
                "column": None,
                "excerpt": [],
            }
        syntax = self.linter.syntax_error
        if syntax is not None:
            return self._error_json(
                "syntax", syntax.code, syntax.message, syntax.line, syntax.column
            )
        render_errors = [
            f
            for f in (check.findings if check else [])
            if f.code in ("render-error", "grant-read-access", "unknown-filter")
        ]
        if check is None or check.sample is None or not render_errors:
            return None
        first = render_errors[0]
        return self._error_json("render", first.code, first.message, first.line, first.column)

    def _error_json(
        self, kind: str, code: str, message: str, line: int | None, column: int | None
    ) -> dict[str, Any]:
        return {
            "kind": kind,
            "code": code,
            "message": message,
            "line": line,
            "column": column,
            "excerpt": source_excerpt(self.template_text, line),
        }


def source_excerpt(source: str, line: int | None, around: int = EXCERPT_LINES) -> list[dict]:
    """The source lines around `line` (1-based), each `{number, text, current}`."""
    if line is None:
        return []
    lines = source.split("\n")
    first, last = max(1, line - around), min(len(lines), line + around)
    return [
        {"number": n, "text": lines[n - 1], "current": n == line} for n in range(first, last + 1)
    ]


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _media_url_function(unresolved: list[str]) -> Any:
    """Local files first; else the in-process fake S3 through the media blueprint (inside
    `gtemu serve`); else the plain S3 URL. Objects none of these can serve are added to
    `unresolved` as s3:// URIs."""
    session = session_of(current_app)
    signer = current_app.extensions.get("gtemu.media")

    def media_url(bucket: str, key: str) -> str:
        local = session.media_url(bucket, key)
        if local is not None:
            return local
        if signer is not None:
            url = signer.url_for_object(bucket, key)
            if not _served_by_media(url):
                unresolved.append(f"s3://{bucket}/{key}")
            return url
        unresolved.append(f"s3://{bucket}/{key}")
        return public_s3_url(bucket, key)

    return media_url


def _served_by_media(url: str) -> bool:
    """Whether the media blueprint of this app answers `url` with the object (not a 404)."""
    with current_app.test_client() as client:
        return client.head(url).status_code == 200


def _position_of(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first `needle` in `text` (1, 1 when absent)."""
    offset = text.find(needle)
    if offset < 0:
        return 1, 1
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def session_of(app: Flask) -> PreviewSession:
    session = app.extensions.get(EXTENSION_KEY)
    if session is None:
        abort(404, "No template is being previewed here: run `gtemu preview TEMPLATE`.")
    return session


def _sample_index() -> int:
    return request.args.get("sample", default=0, type=int) or 0


# Routes


@blueprint.get("/")
def index() -> str:
    session = session_of(current_app)
    return render_template(
        "preview/index.html",
        template=session.source.template,
        sample=_sample_index(),
        sandbox=FRAME_SANDBOX,
    )


@blueprint.get("/state")
def state() -> Response:
    session = session_of(current_app)
    session.refresh()
    response = jsonify(session.state(_sample_index()))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/changes")
def changes() -> Response:
    """Long poll: answers with the version once it differs from `since` (or after a while)."""
    session = session_of(current_app)
    since = request.args.get("since", default=-1, type=int)
    timeout = min(
        request.args.get("timeout", default=LONG_POLL_SECONDS, type=float), LONG_POLL_SECONDS
    )
    response = jsonify({"version": session.wait_for_change(since, timeout)})
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/frame/<int:index>")
def frame(index: int) -> Response:
    """The task page of sample `index`, as the worker portal's frame would show it."""
    session = session_of(current_app)
    session.refresh()
    check = session.check(index)
    state = session.state(index, check)
    if state["error"] is not None or check is None:
        return _frame_error(state["error"])
    task = {"mode": "preview", "submitUrl": None, "csrfToken": None}
    html = f"<script>window.GTEMU_TASK = {json.dumps(task)};</script>\n" + rewrite_crowd_assets(
        check.html, CROWD_SCRIPT_URL
    )
    response = Response(html, mimetype="text/html")
    # The template's scripts run in an origin of their own, even when the frame is opened alone.
    response.headers["Content-Security-Policy"] = f"sandbox {FRAME_SANDBOX}"
    return _no_store(response)


@blueprint.post("/answer")
def answer() -> Response:
    """Checks the JSON a submit would post against each element's contract."""
    session = session_of(current_app)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "answer" not in body:
        return jsonify({"message": 'expected a JSON body {"answer": {...}}'}), 400
    check = session.check(_sample_index())
    if check is None:
        return jsonify({"message": "the template does not parse"}), 409
    checks = check_answer(body["answer"], check.page, categories=session.data.categories)
    return jsonify(
        {
            "answer": body["answer"],
            "checks": [c.to_json() for c in checks],
            "ok": all(c.ok for c in checks),
        }
    )


@blueprint.get("/files/<token>")
def files(token: str) -> Response:
    """A local file that a rendered page was granted (only those)."""
    path = session_of(current_app).file_for(token)
    if path is None:
        abort(404)
    return _no_store(send_file(path))


def _frame_error(error: dict[str, Any] | None) -> Response:
    message = error["message"] if error else "nothing to show"
    where = f" (line {error['line']}, column {error['column']})" if error and error["line"] else ""
    html = (
        '<!doctype html><html lang="en"><title>Task failed to render</title>'
        '<body style="font-family:sans-serif;color:#b00020">'
        f"<h1>Task failed to render</h1><p>{escape(message)}{escape(where)}</p></body></html>"
    )
    return _no_store(Response(html, mimetype="text/html"))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def create_preview_app(session: PreviewSession, config: dict[str, Any] | None = None) -> Flask:
    """The app `gtemu preview` serves: the preview, the crowd elements, the media route."""
    from worker_ui import assets, media

    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(32), **(config or {}))
    app.json.sort_keys = False  # show task inputs and answers in their own key order
    app.extensions[EXTENSION_KEY] = session
    app.register_blueprint(blueprint)
    app.register_blueprint(assets.blueprint)
    app.register_blueprint(media.blueprint)

    @app.get("/")
    def home() -> Response:
        return redirect("/preview/")

    return app
