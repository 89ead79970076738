"""JSON exactly as Ground Truth writes its files (docs/engine.md#json-as-ground-truth-writes-it).

Compact separators, non-ASCII characters as themselves, and Gson's HTML-safe escaping of
`< > & = '` as lower-case `\\u003c`-style escapes, which real output manifests show.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

_HTML_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "=": "\\u003d", "'": "\\u0027"}
)


def dumps(value: Any) -> str:
    """Serialise `value` as Ground Truth does: compact, UTF-8, Gson HTML-safe escapes.

    The five characters never occur in JSON syntax outside strings, so translating the
    encoded text is the same as escaping inside every string (keys included).
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_HTML_SAFE)


def dumps_lines(values: Any) -> str:
    """JSON Lines: one `dumps` per value, every line ending with a newline."""
    return "".join(dumps(value) + "\n" for value in values)


def creation_date(moment: datetime) -> str:
    """`creation-date` of output metadata: UTC, six fractional digits, no zone."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")


def file_timestamp(moment: datetime) -> str:
    """Name of a batch or worker-response file: `YYYY-MM-DD_HH:MM:SS` (UTC)."""
    return _utc(moment).strftime("%Y-%m-%d_%H:%M:%S")


def answer_timestamp(moment: datetime) -> str:
    """`acceptanceTime` / `submissionTime`: `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC)."""
    utc = _utc(moment)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
