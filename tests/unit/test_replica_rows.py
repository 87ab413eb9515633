"""Replica rows become domain objects, each column in its own field."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

from domain.users.model import Claim, Requirement
from infrastructure.replica import rows

AT = [datetime(2026, 1, d, 9, 30) for d in range(1, 4)]


def _by_name(found) -> dict:
    return {f.name: getattr(found, f.name) for f in fields(found)}


def test_a_user_row_fills_every_field_from_its_column():
    row = (7, " Ann ", "Lee", "ann@example.com", "07700 900123", date(1960, 5, 1), "active", 1,
           "web", "Harbour Legal", "addr-1", 0, *AT)
    assert _by_name(rows.to_user(row)) == {
        "id": 7, "first_name": "Ann", "last_name": "Lee", "email": "ann@example.com",
        "phone_number": "07700 900123", "date_of_birth": date(1960, 5, 1), "status": "active",
        "is_enabled": True, "introducer": "web", "solicitor": "Harbour Legal",
        "current_user_address_id": "addr-1", "current_signature_file_id": 0,
        "last_login": AT[0], "created_at": AT[1], "updated_at": AT[2]}


def test_a_claim_row_fills_every_field_from_its_column():
    row = (11, 7, "dca", " in_progress ", "SANTANDER UK", "Harbour Legal", *AT)
    assert rows.to_claim(row) == Claim(
        id=11, user_id=7, type="dca", status="in_progress", lender="SANTANDER UK",
        solicitor="Harbour Legal", client_last_updated_at=AT[0], created_at=AT[1],
        updated_at=AT[2])


def test_a_requirement_row_fills_every_field_from_its_column():
    row = ("r-1", 11, "id_check", "PENDING", "Lender asked", AT[0], AT[1])
    assert rows.to_requirement(row) == Requirement(
        id="r-1", claim_id=11, type="id_check", status="PENDING", reason="Lender asked",
        created_at=AT[0], updated_at=AT[1])


def test_messy_values_are_tolerated():
    zero_date = "0000-00-00 00:00:00"
    claim = rows.to_claim(("12", "7", b"pcp", "  ", None, 5, zero_date, None, AT[0]))
    assert (claim.id, claim.user_id, claim.type, claim.status, claim.lender) == \
        (12, 7, "pcp", None, None)
    assert (claim.solicitor, claim.client_last_updated_at, claim.created_at) == ("5", None, None)
    user = rows.to_user((8, "", None, None, None, AT[0], None, b"\x01", None, None, None, "x",
                         None, zero_date, None))
    assert (user.first_name, user.date_of_birth, user.is_enabled) == (None, AT[0].date(), True)
    assert user.current_signature_file_id is None and user.created_at is None
    assert rows.utc_value(AT[0]) == AT[0].replace(tzinfo=UTC)
