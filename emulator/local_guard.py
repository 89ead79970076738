"""No web page can drive a local gtemu: the Host and cross-origin guard of both ports.

A web page the developer visits can make their browser send requests to `127.0.0.1:5000`: form
posts, `fetch(..., {mode: "no-cors"})`, or — after DNS rebinding, where an attacker's name
resolves to 127.0.0.1 — any request at all, answered to the page. gtemu refuses both:

* **Host.** Each port answers only the names it serves: `127.0.0.1`, `localhost`, `[::1]`, the
  `--host` it was started with, and subdomains of those names (S3 virtual-hosted style, e.g.
  `bucket.localhost`). A rebinding page's requests carry its own name, and are refused.
* **Unsigned state changes from a browser**, on the AWS port. SDKs and the AWS CLI sign every
  request (SigV4 `Authorization`, or a presigned URL/POST form). A request that changes state
  without a signature is refused when it comes from a browser: it has an `Origin` that is not
  one of gtemu's own pages, a cross-site `Sec-Fetch-Site`, or one of the body types a page may
  send without asking first (`text/plain`, a urlencoded form, a multipart form without an
  S3 POST-policy signature). That covers `/moto-api/reset`, S3 form uploads, and the JSON
  APIs (Lambda CreateFunction/Invoke ...). Unsigned requests from scripts (no `Origin`, like
  `requests.post(".../moto-api/reset")`) still work.
* On the worker UI port, `/api/v1` refuses any request with a foreign `Origin` (it also needs
  the worker token); the portal's own forms carry CSRF tokens.
"""

from __future__ import annotations

import io
import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_SIMPLE_BODY_TYPES = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data")
_FORM_SIGNATURE = re.compile(rb'name="(x-amz-signature|signature)"', re.IGNORECASE)
_FORM_PREFIX_BYTES = 256 * 1024  # S3 wants the file as the form's last field


def host_names(bind_host: str) -> set[str]:
    """The Host names a server bound to `bind_host` answers (lower case, IPv6 in brackets)."""
    names = set(LOOPBACK_NAMES)
    host = bind_host.strip().lower()
    if host:
        names.add(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    return names


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _name_of(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host_header: str, names: set[str]) -> bool:
    """Whether a Host header names this server: one of `names`, or a subdomain of a name that
    is not an IP address (`bucket.localhost`)."""
    name = _name_of(host_header)
    if name in names:
        return True
    if "0.0.0.0" in names or "[::]" in names:
        # Bound to every interface: the machine is reached by its addresses; a rebinding
        # attack needs a DNS name, so any IP address literal is safe to accept.
        return _is_ip(name)
    return any(name.endswith("." + allowed) for allowed in names if not _is_ip(allowed))


def is_signed(environ: dict[str, Any]) -> bool:
    """A SigV4/SigV2 `Authorization` header, or a presigned URL."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization.startswith(("AWS4-HMAC-SHA256 ", "AWS ")):
        return True
    query = environ.get("QUERY_STRING", "")
    return "X-Amz-Signature=" in query or "Signature=" in query


def _refuse(start_response: Callable[..., Any], status: str, message: str) -> list[bytes]:
    body = (message + "\n").encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body)))])
    return [body]


class LocalRequestGuard:
    """WSGI middleware in front of one port (`aws` or `ui`) of `GtemuServer`."""

    def __init__(self, app: WsgiApp, names: set[str], own_origins: Callable[[], set[str]],
                 *, port_kind: str) -> None:
        self.app = app
        self.names = names
        self.own_origins = own_origins
        self.port_kind = port_kind

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not host_allowed(host, self.names):
            shown = ", ".join(sorted(self.names))
            return _refuse(start_response, "403 Forbidden", (
                f"gtemu answers only requests for {shown}, not for Host {host[:200]!r} "
                "(a request for another name can be a DNS-rebinding attack from a web page); "
                "start gtemu serve with --host NAME to serve NAME."))
        refusal = (self._aws_refusal(environ) if self.port_kind == "aws"
                   else self._ui_refusal(environ))
        if refusal is not None:
            return _refuse(start_response, "403 Forbidden", refusal)
        return self.app(environ, start_response)

    def _foreign_browser(self, environ: dict[str, Any]) -> str | None:
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin.rstrip("/").lower() not in self.own_origins():
            return f"Origin {origin[:200]!r}"
        if environ.get("HTTP_SEC_FETCH_SITE", "").lower() in ("cross-site", "same-site"):
            return "a page of another site"
        return None

    def _aws_refusal(self, environ: dict[str, Any]) -> str | None:
        if environ.get("REQUEST_METHOD", "GET") in _SAFE_METHODS or is_signed(environ):
            return None
        what = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO', '')[:200]}"
        content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data" and _form_is_signed(environ):
            return None  # an S3 POST-policy upload (presigned POST), made for browsers
        foreign = self._foreign_browser(environ)
        if foreign is not None:
            return (f"gtemu refuses the unsigned request {what} from {foreign}: a web page must "
                    "not change this server's state. Sign the request (any AWS SDK or the AWS "
                    "CLI does).")
        if content_type not in _SIMPLE_BODY_TYPES:
            return None
        return (f"gtemu refuses the unsigned {content_type} request {what}: a web page can send "
                "that without asking. Sign the request (any AWS SDK or the AWS CLI does), or "
                "use a presigned POST for form uploads.")

    def _ui_refusal(self, environ: dict[str, Any]) -> str | None:
        if not environ.get("PATH_INFO", "").startswith("/api/"):
            return None
        foreign = self._foreign_browser(environ)
        if foreign is None:
            return None
        return (f"The workers' API refuses requests from {foreign}: it is for gtemu work and "
                "scripts, not for web pages.")


def _form_is_signed(environ: dict[str, Any]) -> bool:
    """Whether a multipart form carries an S3 POST-policy signature field. Reads the form's
    first part only (S3 requires the file to be the last field), then puts it back."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    limit = _FORM_PREFIX_BYTES if not length else min(int(length), _FORM_PREFIX_BYTES)
    prefix = stream.read(limit)
    environ["wsgi.input"] = _Prefixed(prefix, stream)
    return _FORM_SIGNATURE.search(prefix) is not None


class _Prefixed(io.RawIOBase):
    """A read-once stream: `prefix`, then the rest of `stream`."""

    def __init__(self, prefix: bytes, stream: Any) -> None:
        self._prefix = io.BytesIO(prefix)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        head = self._prefix.read(size)
        if size is not None and size >= 0:
            if len(head) == size:
                return head
            return head + self._stream.read(size - len(head))
        return head + self._stream.read()

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:  # type: ignore[override]
        line = self._prefix.readline(size)
        if line.endswith(b"\n") or (size is not None and 0 <= size == len(line)):
            return line
        rest = -1 if size is None or size < 0 else size - len(line)
        return line + self._stream.readline(rest)
