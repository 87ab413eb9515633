"""Synthetic replica rows: deterministic, consistent, and as messy as the contract says."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.users.phone import to_e164
from infrastructure.replica.ddl import contract_columns
from infrastructure.replica.synthetic import ANCHOR, Rows, generate

POSTCODE = re.compile(r"^[A-Z]{1,2}\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$")
PLATE = re.compile(r"^[A-Z]{2}\d\d [A-Z]{3}$")
TABLES = {"users": "users", "addresses": "user_addresses", "claims": "claims",
          "requirements": "claim_requirements", "packages": "claim_vehicle_packages"}


@pytest.fixture(scope="module")
def rows() -> Rows:
    return generate(seed=5, first_user_id=1, count=2000)


def _tables(rows: Rows) -> dict[str, list[tuple]]:
    return {table: getattr(rows, field) for field, table in TABLES.items()}


def test_same_seed_same_rows_and_another_seed_differs(rows):
    assert generate(seed=5, first_user_id=1, count=2000) == rows
    assert generate(seed=6, first_user_id=1, count=50).users != rows.users[:50]


def test_a_users_rows_do_not_depend_on_the_chunk_they_are_made_in(rows):
    alone = generate(seed=5, first_user_id=1500, count=1)
    claim_ids = {c[0] for c in alone.claims}
    assert alone.users == [rows.users[1499]]
    assert alone.addresses == [a for a in rows.addresses if a[1] == 1500]
    assert alone.claims == [c for c in rows.claims if c[1] == 1500]
    assert alone.requirements == [r for r in rows.requirements if r[1] in claim_ids]
    assert alone.packages == [p for p in rows.packages if p[1] in claim_ids]


def test_tuples_have_the_contracts_columns(rows):
    columns = contract_columns()
    for table, batch in _tables(rows).items():
        assert {len(row) for row in batch} == {len(columns[table])}, table


def test_sizes_are_about_three_claims_and_four_requirements_a_user(rows):
    per_user = Counter(c[1] for c in rows.claims)
    assert 2.7 <= len(rows.claims) / len(rows.users) <= 3.3
    assert 3.5 <= len(rows.requirements) / len(rows.users) <= 4.5
    assert 0.02 < 1 - len(per_user) / len(rows.users) < 0.08  # some users have no claim
    assert max(per_user.values()) >= 5
    assert 0.6 < len(rows.addresses) / len(rows.users) < 1.3
    assert 0.4 < len(rows.packages) / len(rows.claims) < 0.9


def test_every_value_domain_occurs(rows):
    assert {u[6] for u in rows.users} == {"active", "inactive", "suspended", "pending", None}
    assert {u[7] for u in rows.users} == {1, 0, None}
    assert {c[3] for c in rows.claims} == {"new", "in_progress", "submitted", "complete",
                                           "rejected", None}
    assert {r[3] for r in rows.requirements} == {"PENDING", "COMPLETED", "CANCELLED"}
    assert {r[2] for r in rows.requirements} == {"bank_statement", "id_document",
                                                 "proof_of_address", "finance_agreement", "other"}
    assert any(r[4] is None for r in rows.requirements)
    signatures = Counter("null" if u[11] is None else "zero" if u[11] == 0 else "id"
                         for u in rows.users)
    assert 0.35 < signatures["null"] / len(rows.users) < 0.45 and signatures["zero"] > 0


def test_lenders_are_messy(rows):
    lenders = Counter(c[4] for c in rows.claims)
    assert {"Santander", "santander ", "SANTANDER UK", "Santander Consumer Finance",
            "Lloyds Bank", "lloyds", "Barclays Partner Finance", "HSBC UK",
            "Nationwide Building Society", "Halifax", "Black Horse", "Barclaycard", "MotoNovo",
            "Close Brothers", None} <= set(lenders)
    spellings = {name for name in lenders if name and name.strip().lower() == "santander"}
    assert len(spellings) >= 2


def test_most_phone_numbers_are_dialable_and_some_are_not(rows):
    phones = [u[4] for u in rows.users]
    valid = [p for p in phones if to_e164(p)]
    assert 0.7 < len(valid) / len(phones) < 0.92
    assert any(p is None for p in phones)
    drama = [p for p in phones if p and p.startswith("07700 900")]
    assert drama and not any(to_e164(p) for p in drama)
    assert {"n/a", "call me"} & set(phones)
    for pattern in (r"^07\d{3} \d{6}$", r"^\+447\d{9}$", r"^447\d{9}$", r"^\(0\)7\d{3}-\d{6}$",
                    r"^0\d{2,4} \d"):
        assert any(re.match(pattern, p) and to_e164(p) for p in valid), pattern
    assert any(to_e164(p).startswith("+441") for p in valid)  # landlines as well as mobiles


def test_ids_hang_together(rows):
    user_ids = {u[0] for u in rows.users}
    claim_ids = {c[0] for c in rows.claims}
    assert {c[1] for c in rows.claims} <= user_ids
    assert {r[1] for r in rows.requirements} <= claim_ids
    assert {p[1] for p in rows.packages} <= claim_ids
    for table, batch in _tables(rows).items():
        assert len({row[0] for row in batch}) == len(batch), table
    owner = {a[0]: a[1] for a in rows.addresses}
    current = [u for u in rows.users if u[10] is not None]
    assert len(current) > len(rows.users) / 2
    assert all(owner[u[10]] == u[0] for u in current)
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            key) for key in owner)


def test_timestamps_are_ordered_and_in_the_last_three_years(rows):
    oldest = ANCHOR - timedelta(days=3 * 365 + 1)
    for table, batch in _tables(rows).items():
        created, updated = len(batch[0]) - 2, len(batch[0]) - 1
        assert all(oldest <= r[created] <= r[updated] <= ANCHOR for r in batch), table
    users = {u[0]: u for u in rows.users}
    assert all(c[7] >= users[c[1]][13] for c in rows.claims)
    assert all(c[6] is None or c[7] <= c[6] <= ANCHOR for c in rows.claims)
    assert any(c[6] is None for c in rows.claims) and any(c[6] for c in rows.claims)
    dobs = [u[5] for u in rows.users]
    assert any(d is None for d in dobs)
    assert all(date(1940, 1, 1) <= d <= date(2006, 12, 31) for d in dobs if d)


def test_addresses_and_vehicles_look_british(rows):
    codes = [a[3] for a in rows.addresses if a[3]]
    assert sum(1 for c in codes if POSTCODE.match(c)) / len(codes) > 0.9
    assert all(a[3] in a[2] for a in rows.addresses if a[3])
    assert {"West Yorkshire", "Greater London", None} <= {a[4] for a in rows.addresses}
    plates = [p[2] for p in rows.packages]
    assert sum(1 for p in plates if p and PLATE.match(p)) / len(plates) > 0.85
    payments = [p[6] for p in rows.packages]
    assert any(p is None for p in payments)
    assert all(p.as_tuple().exponent == -2 and Decimal(50) < p < Decimal(1000)
               for p in payments if p is not None)


def test_emails_follow_the_names(rows):
    emails = [(u[1], u[2], u[3]) for u in rows.users if u[3] and u[1] and u[2]]
    assert any(u[3] is None for u in rows.users)
    matching = sum(1 for first, last, e in emails
                   if last.strip().lower().replace("'", "") in e.lower())
    assert matching / len(emails) > 0.95
