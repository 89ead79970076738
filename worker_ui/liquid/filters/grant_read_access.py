"""The `grant_read_access` filter: a short-lived URL for an S3 object."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from liquid.filter import with_context
from markupsafe import Markup

from ..context import MediaUrl
from ..errors import InvalidParametersError
from ..text import to_text

if TYPE_CHECKING:
    from liquid import RenderContext

_S3_URI = re.compile(r"s3://(?P<bucket>[^/\s]+)/(?P<key>.+)", re.DOTALL)
_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]+"
# After "s3": nothing, ".us-west-2", "-us-west-2", ".dualstack.us-west-2", "-external-1".
_ENDPOINT = rf"s3(?:[.-]{_REGION}|\.dualstack\.{_REGION}|-external-1|-accelerate)?\.amazonaws\.com"
_PATH_STYLE_HOST = re.compile(_ENDPOINT)
_VIRTUAL_HOST = re.compile(rf"(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.{_ENDPOINT}")


@with_context
def grant_read_access(value: object, *, context: RenderContext) -> str:
    """An S3 URI or S3 endpoint URL becomes a URL that lets the worker read the object.

    Any other `https://` URL passes through unchanged (docs/templates.md#ground-truths-filters);
    anything else, undefined included, is an `InvalidParameters` error with Ground Truth's text
    (docs/templates.md#ground-truths-filters).
    """
    text = _url_text(value)
    location = s3_location(text)
    if location is not None:
        return media_url_of(context)(*location)
    if text.startswith("https://"):
        return text
    raise InvalidParametersError(
        f'"grant_read_access" input is not a valid S3 URI: "{text}".', token=None
    )


def s3_location(text: str) -> tuple[str, str] | None:
    """`(bucket, key)` of an `s3://` URI or an S3 endpoint URL (path or virtual-host style).

    Plain `http://` S3 endpoints count too: AWS's own A2I Textract template builds
    `http://s3.amazonaws.com/<bucket>/<name>` and pipes it into `grant_read_access`.
    """
    match = _S3_URI.fullmatch(text)
    if match:
        return match["bucket"], match["key"]
    if not text.startswith(("https://", "http://")):
        return None
    url = urlsplit(text)
    host = (url.hostname or "").lower()
    path = unquote(url.path)
    if _PATH_STYLE_HOST.fullmatch(host):
        bucket, _, key = path.lstrip("/").partition("/")
        return (bucket, key) if bucket and key else None
    virtual = _VIRTUAL_HOST.fullmatch(host)
    if virtual and len(path) > 1:
        return virtual["bucket"], path[1:]
    return None


def _url_text(value: object) -> str:
    """The URL a value stands for. Safe markup (a `capture` of `http://…/{{ key }}`) is HTML
    whose values were escaped on the way in, so its text is read back unescaped."""
    if isinstance(value, Markup):
        return value.unescape()
    return to_text(value)


def public_s3_url(bucket: str, key: str) -> str:
    """The path-style S3 URL used when no signer is given (the guide's example form)."""
    return f"https://s3.amazonaws.com/{bucket}/{quote(key, safe='/~')}"


def media_url_of(context: RenderContext) -> MediaUrl:
    return getattr(context, "media_url", None) or public_s3_url
