"""Sorting and `NextToken` pagination of the list operations (docs/api.md#names-arns-and-paging,
docs/api.md#listlabelingjobs).

A token encodes the sort key of the last item returned, so pages stay stable when items are
added between calls. Ties on the sort key are broken by name, ascending.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from emulator.errors import invalid_pagination_token

T = TypeVar("T")
SortKey = tuple[Any, str]

DEFAULT_PAGE_SIZE = 10


def sort_value(value: Any) -> Any:
    """A JSON-friendly, comparable form of a sort field (datetimes become epoch seconds)."""
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def paginate(
    items: Sequence[T],
    *,
    key: Callable[[T], SortKey],
    descending: bool,
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[T], str | None]:
    """One page of `items` sorted by `key` (primary value, name) and the token of the next."""
    keyed = [(_normalise(key(item)), item) for item in items]
    keyed.sort(key=lambda pair: pair[0][1])
    keyed.sort(key=lambda pair: pair[0][0], reverse=descending)
    if next_token:
        last = decode_token(next_token)
        try:
            keyed = [pair for pair in keyed if _comes_after(pair[0], last, descending)]
        except TypeError:  # a token of another sort field
            raise invalid_pagination_token() from None
    size = max_results or DEFAULT_PAGE_SIZE
    page = keyed[:size]
    token = encode_token(page[-1][0]) if len(keyed) > size else None
    return [item for _, item in page], token


def _normalise(key: SortKey) -> SortKey:
    primary, name = key
    return sort_value(primary), name


def _comes_after(key: SortKey, last: SortKey, descending: bool) -> bool:
    primary, name = key
    last_primary, last_name = last
    if primary != last_primary:
        return primary < last_primary if descending else primary > last_primary
    return name > last_name


def encode_token(key: SortKey) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_token(token: str) -> SortKey:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise invalid_pagination_token() from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != 2
        or not isinstance(decoded[0], (str, int, float))
        or isinstance(decoded[0], bool)
        or not isinstance(decoded[1], str)
    ):
        raise invalid_pagination_token()
    return decoded[0], decoded[1]
