"""User contexts to and from compact JSON for the cache.

What JSON has no type for (datetimes, dates, decimals, enums) is written as text and read
back by the type its dataclass field is annotated with.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from domain.scoring.model import CallScore
from domain.users.context import ScoredUserContext
from domain.users.model import (
    Address,
    Claim,
    ClaimDetail,
    Requirement,
    User,
    UserContext,
    VehiclePackage,
)

CODEC_VERSION = 1
_FROM_TEXT: dict[type, Callable[[str], Any]] = {
    datetime: datetime.fromisoformat, date: date.fromisoformat, Decimal: Decimal}


def _plain(obj: Any) -> dict:
    return {f.name: _value(getattr(obj, f.name)) for f in fields(obj)}


def _value(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def _revive(cls: type, data: dict) -> Any:
    values = {}
    for name, revive in _revivers(cls):
        v = data.get(name)
        values[name] = revive(v) if revive is not None and v is not None else v
    return cls(**values)


@cache
def _revivers(cls: type) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    hints = get_type_hints(cls)
    return tuple((f.name, _reviver(hints[f.name])) for f in fields(cls))


def _reviver(hint: Any) -> Callable[[Any], Any] | None:
    """How a field so annotated comes back from its JSON value; None: as it is."""
    kinds = ([a for a in get_args(hint) if a is not NoneType]
             if get_origin(hint) in (Union, UnionType) else [hint])
    if len(kinds) != 1:
        return None
    kind = kinds[0]
    if kind in _FROM_TEXT:
        return _FROM_TEXT[kind]
    return kind if isinstance(kind, type) and issubclass(kind, Enum) else None


def encode(item: ScoredUserContext) -> bytes:
    ctx = item.context
    return json.dumps({
        "v": CODEC_VERSION,
        "user": _plain(ctx.user),
        "address": _plain(ctx.address) if ctx.address else None,
        "claims": [{"claim": _plain(d.claim),
                    "requirements": [_plain(r) for r in d.requirements],
                    "packages": [_plain(p) for p in d.vehicle_packages]} for d in ctx.claims],
        "score": _plain(item.call_score) if item.call_score else None,
    }, separators=(",", ":")).encode()


def decode(raw: bytes) -> ScoredUserContext | None:
    """None for anything written by another codec version (it is simply rebuilt)."""
    data = json.loads(raw)
    if data.get("v") != CODEC_VERSION:
        return None
    user = _revive(User, data["user"])
    claims = tuple(
        ClaimDetail(_revive(Claim, c["claim"]),
                    tuple(_revive(Requirement, r) for r in c["requirements"]),
                    tuple(_revive(VehiclePackage, p) for p in c["packages"]))
        for c in data["claims"]
    )
    address = _revive(Address, data["address"]) if data["address"] else None
    score = _revive(CallScore, data["score"]) if data["score"] is not None else None
    return ScoredUserContext(UserContext(user, address, claims), score)
