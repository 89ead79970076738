"""WSGI guard in front of moto's server for what moto's own request parsing cannot take."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class RejectUndecodableBodies:
    """A SageMaker (JSON protocol) request whose body is not UTF-8 gets AWS's
    `ValidationException` instead of the 500 that moto's parsing would give; nothing else is
    touched (S3 bodies are binary and pass through)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("SageMaker."):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            error = {"__type": "ValidationException",
                     "Message": "The request body is not valid UTF-8."}
            payload = json.dumps(error).encode()
            start_response("400 Bad Request", [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("Content-Length", str(len(payload))),
            ])
            return [payload]
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


_LAMBDA_FUNCTIONS_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/functions(?:/|$)")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Body types a web page may send to any site without a CORS preflight.
_SIMPLE_BODY_TYPES = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data")


class RefuseBrowserLambdaCalls:
    """No web page may create, update or invoke a Lambda function: jobs run those functions'
    code on this machine. An unsigned request (no SigV4 `Authorization`, no presigned query)
    that changes or invokes a function is refused with 403 when a browser sent it (it carries
    an `Origin` or a cross-site `Sec-Fetch-Site`) or when its body type is one a page may send
    without asking (`text/plain`, a form). SDKs and the AWS CLI sign every request."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not _LAMBDA_FUNCTIONS_PATH.match(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD", "GET") in _SAFE_METHODS or _is_signed(environ):
            return self.app(environ, start_response)
        content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        from_browser = "HTTP_ORIGIN" in environ or environ.get(
            "HTTP_SEC_FETCH_SITE", "").lower() in ("cross-site", "same-site")
        if not from_browser and content_type not in _SIMPLE_BODY_TYPES:
            return self.app(environ, start_response)
        message = (f"gtemu refuses the unsigned request {environ.get('REQUEST_METHOD')} "
                   f"{environ.get('PATH_INFO', '')[:200]}: a web page must not create, update or "
                   "invoke Lambda functions. Sign the request (any AWS SDK or the AWS CLI does).")
        payload = json.dumps({"Type": "User", "Message": message}).encode()
        start_response("403 Forbidden", [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", "AccessDeniedException"),
            ("Content-Length", str(len(payload))),
        ])
        return [payload]


def _is_signed(environ: dict[str, Any]) -> bool:
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization.startswith(("AWS4-HMAC-SHA256 ", "AWS ")):
        return True
    return "X-Amz-Signature=" in environ.get("QUERY_STRING", "")
