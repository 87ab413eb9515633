"""Pure rules about replica users, claims and phone numbers."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.users.context import build_context, pick_address
from domain.users.model import Address, Claim, Requirement, User, parse_user_id
from domain.users.phone import mask, to_e164


def user(**overrides) -> User:
    values = dict(id=1, first_name="A", last_name="B", email=None, phone_number=None,
                  date_of_birth=None, status="active", is_enabled=True, introducer=None,
                  solicitor=None, current_user_address_id=None, current_signature_file_id=None,
                  last_login=None, created_at=None, updated_at=None)
    return User(**{**values, **overrides})


def claim(claim_id=10, status="new", user_id=1) -> Claim:
    return Claim(claim_id, user_id, "pcp", status, "Santander", None, None, None, None)


@pytest.mark.parametrize("raw, expected", [
    ("07911 123456", "+447911123456"),
    ("+447911123456", "+447911123456"),
    ("447911123456", "+447911123456"),
    ("(0)7911-123456", "+447911123456"),
    ("07700 900123", None),             # drama mobile range
    ("0113 496 0000", "+441134960000"),
    ("0161 234 5678", "+441612345678"),
    ("n/a", None), ("123", None), ("", None), ("   ", None), (None, None),
])
def test_phone_numbers_normalise_to_e164_or_none(raw, expected):
    assert to_e164(raw) == expected


def test_masking_keeps_only_the_last_three_digits():
    assert mask("+447911123456") == "*********456"
    assert mask(None) is None


def test_only_null_signature_is_unsigned():
    assert not user(current_signature_file_id=None).has_signed
    assert user(current_signature_file_id=0).has_signed


@pytest.mark.parametrize("status, is_open", [
    ("new", True), ("in_progress", True), ("submitted", True), ("rejected", True),
    ("complete", False), (None, False),
])
def test_claim_is_open_unless_complete_or_unset(status, is_open):
    assert claim(status=status).is_open is is_open


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "1.5", "", " ", "99999999999999999999"])
def test_malformed_user_ids_are_refused(raw):
    with pytest.raises(ValueError, match="positive whole number"):
        parse_user_id(raw)


def test_user_ids_parse():
    assert parse_user_id(" 42 ") == 42


def test_current_address_is_picked_else_the_last_of_the_users():
    a1 = Address("a1", 1, "old", None, None)
    a2 = Address("a2", 1, "new", None, None)
    other = Address("x", 2, "someone else's", None, None)
    assert pick_address(user(current_user_address_id="a1"), [a1, a2]) == a1
    assert pick_address(user(current_user_address_id=None), [a1, a2]) == a2
    assert pick_address(user(current_user_address_id="x"), [other]) is None


def test_build_context_hangs_requirements_on_their_claims():
    req = Requirement("r1", 10, "id_document", "PENDING", None, datetime(2026, 1, 1), None)
    done = Requirement("r2", 11, "other", "COMPLETED", None, None, None)
    ctx = build_context(user(), [], [claim(10), claim(11, "complete")],
                        {10: [req], 11: [done]}, {})
    assert [d.claim.id for d in ctx.claims] == [10, 11]
    assert ctx.claims[0].requirements == (req,)
    assert ctx.pending_requirements == (req,)
