"""WSGI guard in front of moto's server for what moto's own request parsing cannot take."""

from __future__ import annotations

import io
import json
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

