"""Ids as clients send them back: checked, or a BAD_USER_INPUT naming the argument."""

from __future__ import annotations

import uuid

from graphql_api.errors import BadUserInput


def uuid_id(raw: object, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise BadUserInput(f"{field} is not an id this API gave out", field=field) from exc


def int_id(raw: object, field: str) -> int:
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 18:
        raise BadUserInput(f"{field} is not an id this API gave out", field=field)
    return int(text)
