"""The AWS endpoint's side of the journal: a WSGI middleware in front of moto that journals
every request that changes state (with its body, inline or as a body file), and never a read."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from emulator.moto_adapter import KnownBody, request_body_in_file
from emulator.store import Bodies, Record, os_error_message

if TYPE_CHECKING:
    from emulator.durable import Durability

INLINE_REQUEST_BODY = 1024 * 1024  # larger request bodies go to body files

_READ_ACTION = re.compile(r"^(Describe|List|Get|Search|BatchDescribe|BatchGet)")
_ENVIRON_KEYS = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "RAW_URI",
                 "CONTENT_TYPE", "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT")
UPLOAD_ID_IN_QUERY = re.compile(r"(^|&)uploadId=([^&]*)")
_ACTION_IN_QUERY = re.compile(r"(^|&)Action=([A-Za-z]+)")
UPLOAD_ID_IN_BODY = re.compile(rb"<UploadId>([^<]*)</UploadId>")




class JournalingApp:
    """WSGI middleware in front of moto: journals every request that changes state."""

    def __init__(self, app: Callable[..., Any], durability: Durability) -> None:
        self.app = app
        self.durability = durability

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[
            bytes]:
        if not changes_state(environ):
            return self.app(environ, start_response)
        with contextlib.ExitStack() as stack:
            try:
                body, body_ref = self._take_body(environ, stack)
            except OSError as error:  # nothing changed yet: refuse, and carry on serving
                message = os_error_message(self.durability.state_dir, error).encode()
                start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
                return [message]
            recorded = {key: environ[key] for key in _ENVIRON_KEYS if key in environ}
            recorded.update({k: v for k, v in environ.items() if k.startswith("HTTP_")})

            def record(response: tuple[str, list[Any], list[bytes]]) -> Record | None:
                status, _, chunks = response
                code = status.split()[0]
                if int(code) >= 400:
                    return None
                data: dict[str, Any] = {"environ": recorded}
                if "uploads" in environ.get("QUERY_STRING", "").split("&"):
                    found = UPLOAD_ID_IN_BODY.search(b"".join(chunks))
                    data["upload_id"] = found.group(1).decode() if found else None
                return Record("http", data, body, body_ref, result=code)

            status, headers, chunks = self.durability.change(
                lambda: call_wsgi_with_body(self.app, environ, self.durability.journal.bodies,
                                            body_ref), record
            )
        start_response(status, headers)
        return chunks

    def _take_body(self, environ: dict[str, Any], stack: contextlib.ExitStack) -> tuple[
            bytes | None, str | None]:
        """The request body: small ones in memory (journaled inline), large or unsized ones
        streamed into a body file, fsynced before the request runs (journaled by reference)."""
        length = environ.get("CONTENT_LENGTH")
        if length and int(length) <= INLINE_REQUEST_BODY:
            return _read_body(environ), None
        if not length and not environ.get("wsgi.input_terminated"):
            return _read_body(environ), None
        bodies = self.durability.journal.bodies
        ref, size = bodies.store_stream(environ["wsgi.input"], int(length) if length else None)
        environ["wsgi.input"] = stack.enter_context(open(bodies.path(ref), "rb"))
        environ["CONTENT_LENGTH"] = str(size)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = False
        return None, ref


def changes_state(environ: dict[str, Any]) -> bool:
    """Whether a request to the AWS endpoint may change state (and so is journaled).

    Reads never are: GET/HEAD, and the `Describe*`/`List*`/`Get*` actions of the JSON and
    query protocols. A read that finds a labeling job's timed work due (a `Stopping` job that
    moves on, a task whose time limit passed) runs that work as an engine step of its own, and
    the engine journals the step, not the read (see `DurableJobEngine.pump`)."""
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    action = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
    if not action:
        action = _query_action(environ)
    return not (action and _READ_ACTION.match(action))


def _query_action(environ: dict[str, Any]) -> str:
    """The `Action` of a query-protocol request (SQS, SNS, IAM, STS ...), '' if none."""
    found = _ACTION_IN_QUERY.search(environ.get("QUERY_STRING", ""))
    if found:
        return found.group(2)
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return ""
    body = _read_body(environ)
    found = _ACTION_IN_QUERY.search(body[:4096].decode("latin-1"))
    return found.group(2) if found else ""


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = False
    return body


def call_wsgi_with_body(app: Callable[..., Any], environ: dict[str, Any], bodies: Bodies,
                        body_ref: str | None) -> tuple[str, list[Any], list[bytes]]:
    """`call_wsgi`; when the body is a body file whose MD5 is known, moto is told it, so that
    an S3 object made of that body reads its bytes from the file and takes that MD5 as its
    ETag (`moto_adapter.request_body_in_file`)."""
    md5 = bodies.md5_of.get(body_ref) if body_ref else None
    if md5 is None:
        return call_wsgi(app, environ)
    known = KnownBody(bodies.path(body_ref), int(environ["CONTENT_LENGTH"]), md5)
    with request_body_in_file(known):
        return call_wsgi(app, environ)


def call_wsgi(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[
        str, list[Any], list[bytes]]:
    """Run a WSGI app to the end; its status, headers and body."""
    response: list[Any] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> Callable[
            [bytes], None]:
        response[:] = [status, headers]
        return chunks.append

    chunks: list[bytes] = []
    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return response[0], response[1], chunks


