"""Relay-style connection arguments: `first` bounds and opaque cursors."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta

import strawberry

from graphql_api.errors import BadUserInput

MAX_FIRST = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def check_first(first: int) -> int:
    if not 1 <= first <= MAX_FIRST:
        raise BadUserInput(f"first must be between 1 and {MAX_FIRST}, got {first}",
                           field="first")
    return first


def encode_cursor(kind: str, *parts: object) -> str:
    text = ":".join([kind, *(repr(p) if isinstance(p, float) else str(p) for p in parts)])
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(kind: str, cursor: str, types: tuple[type, ...]) -> tuple:
    """The parts of a cursor made by ``encode_cursor(kind, …)``; BadUserInput otherwise."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        found_kind, *parts = text.split(":")
        if found_kind != kind or len(parts) != len(types):
            raise ValueError(kind)
        return tuple(t(p) for t, p in zip(types, parts, strict=True))
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise BadUserInput("after is not a cursor from this list", field="after") from exc


def encode_time_cursor(kind: str, at: datetime, key: object) -> str:
    """A cursor at (time, key), the time kept to the microsecond."""
    return encode_cursor(kind, (at - EPOCH) // _MICROSECOND, key)


def decode_time_cursor(kind: str, cursor: str, key_type: type = int) -> tuple[datetime, object]:
    """The (time, key) of a cursor made by ``encode_time_cursor``; BadUserInput otherwise."""
    micros, key = decode_cursor(kind, cursor, (int, key_type))
    try:
        return EPOCH + micros * _MICROSECOND, key
    except OverflowError as exc:
        raise BadUserInput("after is not a cursor from this list", field="after") from exc
