"""Synthetic replica rows: deterministic, consistent, and as messy as the contract says."""

from __future__ import annotations

from collections import Counter

import pytest

from domain.users.phone import to_e164
from infrastructure.replica.synthetic import generate


@pytest.fixture(scope="module")
def rows():
    return generate(seed=5, first_user_id=1, count=2000)


def test_same_seed_same_rows_and_another_seed_differs(rows):
    again = generate(seed=5, first_user_id=1, count=2000)
    assert again == rows
    assert generate(seed=6, first_user_id=1, count=50).users != rows.users[:50]


def test_a_users_rows_do_not_depend_on_the_chunk_they_are_made_in(rows):
    alone = generate(seed=5, first_user_id=1500, count=1)
    assert alone.users[0] == rows.users[1499]


def test_sizes_are_about_three_claims_and_four_requirements_a_user(rows):
    assert 2.6 <= len(rows.claims) / len(rows.users) <= 3.4
    assert 3.4 <= len(rows.requirements) / len(rows.users) <= 4.6
    assert any(True for _ in rows.packages)


def test_every_value_domain_occurs(rows):
    assert {u[6] for u in rows.users} == {"active", "inactive", "suspended", "pending", None}
    assert {u[7] for u in rows.users} == {1, 0, None}
    assert {c[3] for c in rows.claims} == {"new", "in_progress", "submitted", "complete",
                                            "rejected", None}
    assert {r[3] for r in rows.requirements} == {"PENDING", "COMPLETED", "CANCELLED"}
    assert {r[2] for r in rows.requirements} == {"bank_statement", "id_document",
                                                 "proof_of_address", "finance_agreement", "other"}
    signatures = Counter("null" if u[11] is None else "zero" if u[11] == 0 else "id"
                         for u in rows.users)
    assert 0.3 < signatures["null"] / len(rows.users) < 0.5 and signatures["zero"] > 0


def test_lenders_are_messy(rows):
    lenders = {c[4] for c in rows.claims}
    assert {"Santander", "santander ", "SANTANDER UK", "Halifax", None} <= lenders


def test_most_phone_numbers_are_dialable_and_some_are_not(rows):
    valid = sum(1 for u in rows.users if to_e164(u[4]))
    assert 0.65 < valid / len(rows.users) < 0.9
    assert any(u[4] is None for u in rows.users)
    assert any(u[4] and u[4].startswith("07700 900") for u in rows.users)


def test_ids_hang_together(rows):
    user_ids = {u[0] for u in rows.users}
    claim_ids = {c[0] for c in rows.claims}
    assert {c[1] for c in rows.claims} <= user_ids
    assert {r[1] for r in rows.requirements} <= claim_ids
    assert {p[1] for p in rows.packages} <= claim_ids
    assert len(claim_ids) == len(rows.claims)
    assert len({r[0] for r in rows.requirements}) == len(rows.requirements)
    addresses = {a[0]: a[1] for a in rows.addresses}
    for u in rows.users:
        if u[10] is not None:
            assert addresses[u[10]] == u[0]
    assert all(u[14] >= u[13] for u in rows.users)
