"""Signed, short-lived URLs for S3 objects: what `grant_read_access` gives workers.

A URL is `/media/<token>`. The token is base64url (so HTML escaping never changes it) of
the object's account, bucket, key and expiry followed by an HMAC-SHA256 of them; it opens
that one object until it expires, like an S3 presigned URL
(docs/templates.md#media-urls-worker_uimediapy). The object is read from moto's S3 in this process;
nothing else is reachable through this route.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import math
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Flask, Response, current_app, send_file

from emulator import clock, moto_adapter
from emulator.moto_adapter import DEFAULT_ACCOUNT_ID, FakeKey

EXTENSION_KEY = "gtemu.media"
MEDIA_PATH = "/media/"
_MAC_BYTES = hashlib.sha256().digest_size
_GENERIC_TYPES = {"binary/octet-stream", "application/octet-stream", ""}
# Objects that a browser would run as a page get a sandbox of their own, so that a signed
# URL to an HTML object cannot act as the worker UI's origin.
_ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
}

blueprint = Blueprint("media", __name__)


class MediaTokenError(Exception):
    """The token is not one this server signed, or it expired."""


@dataclass(frozen=True)
class MediaGrant:
    """What a valid token lets its holder read, and until when (Unix seconds)."""

    account_id: str
    bucket: str
    key: str
    expires: int


class MediaSigner:
    """Makes and checks media URLs. One per app (`app.extensions["gtemu.media"]`)."""

    def __init__(self, secret: str | bytes, ttl_seconds: float, base_url: str = MEDIA_PATH) -> None:
        secret_bytes = secret.encode() if isinstance(secret, str) else secret
        self._key = hashlib.sha256(b"gtemu media URL\0" + secret_bytes).digest()
        self.ttl_seconds = ttl_seconds
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"

    def url_for_object(self, bucket: str, key: str, *, account_id: str = DEFAULT_ACCOUNT_ID) -> str:
        """The URL that reads `s3://bucket/key` of `account_id` until the TTL runs out."""
        expires = math.ceil(clock.now().timestamp() + self.ttl_seconds)
        return self.base_url + self.token(MediaGrant(account_id, bucket, key, expires))

    def token(self, grant: MediaGrant) -> str:
        payload = json.dumps(
            [grant.account_id, grant.bucket, grant.key, grant.expires],
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        raw = payload + self._mac(payload)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def verify(self, token: str) -> MediaGrant:
        """The grant of a token this signer made and that has not expired."""
        grant = self._decode(token)
        if clock.now().timestamp() >= grant.expires:
            moment = datetime.fromtimestamp(grant.expires, timezone.utc)
            raise MediaTokenError(
                f"This media URL expired at {moment:%Y-%m-%dT%H:%M:%SZ}; "
                "reload the task to get a new one."
            )
        return grant

    def _decode(self, token: str) -> MediaGrant:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise _not_ours() from None
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, self._mac(payload)):
            raise _not_ours()
        account_id, bucket, key, expires = json.loads(payload)
        return MediaGrant(account_id, bucket, key, expires)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()


def _not_ours() -> MediaTokenError:
    return MediaTokenError(
        "This media URL is not valid: it was altered or was not issued by this server."
    )


@blueprint.record_once
def _install_signer(state: Any) -> None:
    app: Flask = state.app
    config = app.config
    app.extensions[EXTENSION_KEY] = MediaSigner(
        config.get("MEDIA_SECRET") or config["SECRET_KEY"],
        config.get("MEDIA_URL_TTL_SECONDS", 900),
        config.get("MEDIA_BASE_URL", MEDIA_PATH),
    )


def signer_of(app: Flask) -> MediaSigner:
    """The media signer installed on `app` when the media blueprint was registered."""
    try:
        return app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "no media signer: register worker_ui.media.blueprint on this app"
        ) from None


def media_url_function(
    app: Flask, *, account_id: str = DEFAULT_ACCOUNT_ID
) -> Callable[[str, str], str]:
    """`media_url(bucket, key)` for `worker_ui.liquid.render_task`, for one account."""
    signer = signer_of(app)

    def media_url(bucket: str, key: str) -> str:
        return signer.url_for_object(bucket, key, account_id=account_id)

    return media_url


@blueprint.get(f"{MEDIA_PATH}<token>")
def media(token: str) -> Response:
    try:
        grant = signer_of(current_app).verify(token)
    except MediaTokenError as error:
        return _plain_text(str(error), 403)
    s3_object = _find_object(grant)
    if s3_object is None:
        return _plain_text(f"The S3 object s3://{grant.bucket}/{grant.key} does not exist.", 404)
    return _object_response(s3_object, grant)


def _find_object(grant: MediaGrant) -> FakeKey | None:
    """The current version of the object, only in the token's own account."""
    return moto_adapter.s3_object(grant.account_id, grant.bucket, grant.key)


def _object_response(s3_object: FakeKey, grant: MediaGrant) -> Response:
    content_type = _content_type(s3_object, grant.key)
    response = send_file(
        io.BytesIO(s3_object.value),
        mimetype=content_type,
        etag=s3_object.etag.strip('"'),
        last_modified=s3_object.last_modified,
        conditional=True,
        max_age=max(0, grant.expires - math.ceil(clock.now().timestamp())),
    )
    # As stored: send_file would add a second charset to a stored "text/plain; charset=…".
    response.headers["Content-Type"] = content_type
    response.cache_control.private = True
    response.cache_control.public = False
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The preview's sandboxed frame has an opaque origin; templates may fetch() media.
    response.headers["Access-Control-Allow-Origin"] = "*"
    if content_type.split(";")[0].strip().lower() in _ACTIVE_TYPES:
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


def _content_type(s3_object: FakeKey, key: str) -> str:
    """The object's stored type; S3's generic default is replaced by a guess from the key."""
    stored = s3_object.metadata.get("content-type") or s3_object.metadata.get("Content-Type")
    stored = str(stored or "")
    if stored.lower() in _GENERIC_TYPES:
        return mimetypes.guess_type(key)[0] or "application/octet-stream"
    return stored


def _plain_text(message: str, status: int) -> Response:
    response = Response(message + "\n", status=status, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
