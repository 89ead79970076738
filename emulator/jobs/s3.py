"""The engine's only door to S3: moto's S3 backend of the job's account.

Calling the backend directly (rather than boto3) works the same inside `mock_aws` and inside
`gtemu serve`, whose server threads share moto's backends, and costs no HTTP round trip —
which is what lets a 1,000-object job finish in well under a second.
"""

from __future__ import annotations

import re

from emulator import moto_adapter

_S3_URI = re.compile(r"^s3://([^/]+)/(.*)$")
_VIRTUAL_HOSTED = re.compile(r"^https://([^/]+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com/(.*)$")
_PATH_STYLE = re.compile(r"^https://s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com/([^/]+)/(.*)$")


class S3Error(Exception):
    """An object could not be read or written."""


def parse_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of an `s3://` URI or an S3 `https://` URL; ValueError otherwise."""
    for pattern in (_S3_URI, _PATH_STYLE, _VIRTUAL_HOSTED):
        match = pattern.match(uri)
        if match:
            return match.group(1), match.group(2)
    raise ValueError(f"not an S3 URI: {uri}")


def join(prefix: str, *parts: str) -> str:
    return "/".join([prefix.rstrip("/"), *parts])


class S3Store:
    """Reads and writes objects of one account's moto S3."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id

    @property
    def _backend(self):  # noqa: ANN202  (moto's S3Backend; looked up each time: moto resets)
        return moto_adapter.s3_backend(self.account_id)

    def read(self, uri: str) -> bytes:
        """The object's bytes; S3Error if the URI, the bucket or the key is not there."""
        try:
            bucket, key = parse_uri(uri)
            found = self._backend.get_object(bucket, key)
        except Exception as error:  # moto raises its own MissingBucket etc.
            raise S3Error(str(error)) from None
        if found is None or not key:
            raise S3Error(f"no object at {uri}")
        return bytes(found.value)

    def bucket_exists(self, uri: str) -> bool:
        try:
            bucket, _ = parse_uri(uri if "/" in uri[5:] else uri + "/")
            self._backend.get_bucket(bucket)
        except Exception:
            return False
        return True

    def write(self, uri: str, body: str | bytes) -> None:
        """Put `body` (text as UTF-8, or bytes) at `uri` in one PutObject; S3Error if that
        fails."""
        try:
            bucket, key = parse_uri(uri)
            data = body.encode("utf-8") if isinstance(body, str) else body
            self._backend.put_object(bucket, key, data)
        except Exception as error:
            raise S3Error(f"cannot write {uri}: {error}") from None
