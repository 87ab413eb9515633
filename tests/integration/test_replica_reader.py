"""The replica reader's reads of many users' claim rows at once, on both engines."""

from __future__ import annotations

import pytest

from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.reader import ReplicaReader
from infrastructure.replica.seed import seed_replica
from tests import services as svc

pytestmark = pytest.mark.integration
ENGINES = {"mysql": (svc.create_mysql_database, svc.drop_mysql_database),
           "postgresql": (svc.create_postgres_database, svc.drop_postgres_database)}


@pytest.fixture(params=list(ENGINES), scope="module")
async def reader(request):
    create, drop = ENGINES[request.param]
    address = await create("reader_test")
    db = await ReplicaDatabase.open(address, read_only=False)
    await seed_replica(db, 60, seed=5)
    yield ReplicaReader(db)
    await db.close()
    await drop(address)


async def _by_claims(reader: ReplicaReader, user_ids: list[int], read) -> dict[int, list]:
    """What the by-user read must equal: each user's claims' rows, read by claim."""
    claims = await reader.claims_by_user(user_ids)
    found = await read([c.id for user_claims in claims.values() for c in user_claims])
    return {u: rows for u in user_ids
            if (rows := [r for c in claims.get(u, []) for r in found.get(c.id, [])])}


async def test_requirements_of_many_users_are_those_of_their_claims(reader):
    users = [*range(1, 61), 999_999]  # one the replica does not have
    by_user = await reader.requirements_by_user(users)
    expected = await _by_claims(reader, users, reader.requirements_by_claim)
    # The same rows by user, and each claim's in requirements_by_claim's order (a stable
    # sort by claim keeps the order within each claim).
    assert {u: sorted(rows, key=lambda r: r.claim_id) for u, rows in by_user.items()} == \
        {u: sorted(rows, key=lambda r: r.claim_id) for u, rows in expected.items()}
    assert 999_999 not in by_user and len(by_user) > 40


async def test_vehicle_packages_of_many_users_are_those_of_their_claims(reader):
    users = list(range(1, 61))
    by_user = await reader.vehicle_packages_by_user(users)
    expected = await _by_claims(reader, users, reader.vehicle_packages_by_claim)
    assert {u: sorted(p.id for p in rows) for u, rows in by_user.items()} == \
        {u: sorted(p.id for p in rows) for u, rows in expected.items()}
    assert by_user and all(sorted(r.id for r in rows) == [r.id for r in rows]
                           for rows in by_user.values())


async def test_no_users_read_nothing(reader):
    statements = reader.db.statements
    assert await reader.requirements_by_user([]) == {}
    assert await reader.vehicle_packages_by_user([]) == {}
    assert reader.db.statements == statements
