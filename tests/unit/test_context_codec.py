"""Cached contexts come back exactly as they went in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

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
from infrastructure.redis import codec


def test_round_trip_is_exact():
    user = User(7, "Ann", "Lee", "ann@example.com", "07911123456", date(1960, 2, 29), "active",
                True, "web", "HL", "a1", 0, datetime(2026, 1, 1, 12), datetime(2025, 1, 1),
                datetime(2026, 1, 2))
    claim = Claim(9, 7, "pcp", "rejected", "Santander ", "HL", None, datetime(2025, 5, 5),
                  datetime(2025, 6, 6))
    detail = ClaimDetail(claim, (Requirement("r", 9, "other", "PENDING", "why", None, None),),
                         (VehiclePackage(3, 9, "AB12CDE", "Ford", "Ka", "Dealer",
                                         Decimal("199.50")),))
    item = ScoredUserContext(
        UserContext(user, Address("a1", 7, "1 Road", "LS1 1AA", None), (detail,)),
        CallScore(7, -12.5, 2, 1, CallOutcome.BUSY, datetime(2026, 11, 1, tzinfo=UTC)))
    assert codec.decode(codec.encode(item)) == item


def test_another_codec_version_is_a_miss():
    assert codec.decode(b'{"v": 999}') is None
