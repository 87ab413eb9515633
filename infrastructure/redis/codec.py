"""User contexts to and from compact JSON for the cache."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.calls.outcomes import CallOutcome
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
_DATETIMES = {"last_login", "created_at", "updated_at", "client_last_updated_at",
              "last_called_at", "last_contact_at", "next_call_after"}


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
    for f in fields(cls):
        v = data.get(f.name)
        if v is not None and f.name in _DATETIMES:
            v = datetime.fromisoformat(v)
        values[f.name] = v
    return cls(**values)


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
    if user.date_of_birth:
        user = replace(user, date_of_birth=date.fromisoformat(user.date_of_birth))
    claims = tuple(
        ClaimDetail(_revive(Claim, c["claim"]),
                    tuple(_revive(Requirement, r) for r in c["requirements"]),
                    tuple(_package(p) for p in c["packages"]))
        for c in data["claims"]
    )
    address = _revive(Address, data["address"]) if data["address"] else None
    return ScoredUserContext(UserContext(user, address, claims), _score(data["score"]))


def _package(data: dict) -> VehiclePackage:
    package = _revive(VehiclePackage, data)
    if package.monthly_payment is not None:
        package = replace(package, monthly_payment=Decimal(package.monthly_payment))
    return package


def _score(data: dict | None) -> CallScore | None:
    if data is None:
        return None
    score = _revive(CallScore, data)
    if score.last_outcome:
        score = replace(score, last_outcome=CallOutcome(score.last_outcome))
    return score
