"""Seeding a replica (MariaDB, and PostgreSQL for the demo) and reading it back."""

from __future__ import annotations

import pytest

from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.ddl import create_replica_tables
from infrastructure.replica.reader import ReplicaReader
from infrastructure.replica.seed import seed_replica
from tests import services as svc

pytestmark = pytest.mark.integration
TABLES = ("users", "user_addresses", "claims", "claim_requirements", "claim_vehicle_packages")


@pytest.fixture(params=["mysql", "postgresql"])
async def empty_replica(request):
    create, drop = ((svc.create_mysql_database, svc.drop_mysql_database)
                    if request.param == "mysql"
                    else (svc.create_postgres_database, svc.drop_postgres_database))
    address = await create("seed_test")
    db = await ReplicaDatabase.open(address, read_only=False)
    yield db
    await db.close()
    await drop(address)


async def _counts(db) -> dict[str, int]:
    return {t: (await db.fetch(f"SELECT COUNT(*) FROM {t}"))[0][0] for t in TABLES}


async def test_seed_counts_match_and_a_second_run_appends(empty_replica):
    db = empty_replica
    first = await seed_replica(db, 300, seed=4)
    assert await _counts(db) == {"users": 300, "user_addresses": first.addresses,
                                 "claims": first.claims,
                                 "claim_requirements": first.requirements,
                                 "claim_vehicle_packages": first.vehicle_packages}
    second = await seed_replica(db, 50, seed=4)
    assert second.first_user_id == 301
    assert (await _counts(db))["users"] == 350


async def test_create_tables_is_idempotent(empty_replica):
    await create_replica_tables(empty_replica)
    await create_replica_tables(empty_replica)
    assert await _counts(empty_replica) == dict.fromkeys(TABLES, 0)


async def test_seeded_rows_read_back_through_the_reader(empty_replica):
    progress = []
    await seed_replica(empty_replica, 120, seed=9, progress=progress.append)
    assert sum(progress) == 120
    reader = ReplicaReader(empty_replica)
    users = await reader.users(list(range(1, 121)))
    claims = await reader.claims_by_user(list(users))
    assert len(users) == 120 and sum(map(len, claims.values())) > 200


async def test_same_seed_gives_identical_rows_in_both_engines():
    mysql = await svc.create_mysql_database("seed_same")
    pg = await svc.create_postgres_database("seed_same")
    dbs = [await ReplicaDatabase.open(a, read_only=False) for a in (mysql, pg)]
    try:
        for db in dbs:
            await seed_replica(db, 80, seed=11)
        readers = [ReplicaReader(db) for db in dbs]
        users = [await r.users(list(range(1, 81))) for r in readers]
        claims = [await r.claims_by_user(list(range(1, 81))) for r in readers]
        assert users[0] == users[1]
        assert claims[0] == claims[1]
    finally:
        for db in dbs:
            await db.close()
        await svc.drop_mysql_database(mysql)
        await svc.drop_postgres_database(pg)


async def test_the_replica_pool_is_read_only(settings):
    from infrastructure.settings import DatabaseAddress

    db = await ReplicaDatabase.open(DatabaseAddress(settings.replica_database_url))
    try:
        with pytest.raises(Exception, match="(?i)read.only|READ ONLY"):
            await db.execute("DELETE FROM users WHERE id = -1")
    finally:
        await db.close()


async def test_extra_columns_in_the_replica_are_ignored(empty_replica):
    await seed_replica(empty_replica, 5, seed=1)
    await empty_replica.execute("ALTER TABLE users ADD COLUMN marketing_opt_in SMALLINT NULL")
    await empty_replica.execute("ALTER TABLE claims ADD COLUMN broker VARCHAR(20) NULL")
    reader = ReplicaReader(empty_replica)
    assert len(await reader.users([1, 2, 3])) == 3
    assert await reader.claims_by_user([1, 2, 3]) is not None
