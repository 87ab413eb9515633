"""Migration 0025: each user on the do-not-call list before it gets the entry its row's
words name, and the lists work from there; and it rolls back."""

from __future__ import annotations

import asyncpg
import pytest

from infrastructure.postgres.engine import make_engine
from infrastructure.postgres.migrate import current_revision, migrate
from tests import services as svc

pytestmark = pytest.mark.integration


@pytest.fixture
async def before_0025():
    address = await svc.create_postgres_database("dnc_entries")
    engine = make_engine(address, pool_size=1)
    await migrate(engine, "0024")
    conn = await asyncpg.connect(address.plain_url)
    try:
        yield engine, conn
    finally:
        await conn.close()
        await engine.dispose()
        await svc.drop_postgres_database(address)


async def test_every_blocked_user_gets_the_entry_their_row_names(before_0025):
    engine, conn = before_0025
    await conn.executemany("INSERT INTO do_not_call (user_id, reason) VALUES ($1, $2)", [
        (1, "SMS opt-out (STOP)"), (2, "agent recorded DO_NOT_CALL"), (3, "asked by e-mail")])
    await migrate(engine)
    entries = {r["user_id"]: (r["reason"], r["note"], r["e164"]) for r in await conn.fetch(
        "SELECT user_id, reason, note, e164 FROM do_not_call_entries WHERE removed_at IS NULL")}
    assert entries == {1: ("SMS_STOP", None, None), 2: ("DISPOSITION", None, None),
                       3: ("OTHER", "asked by e-mail", None)}
    rows = {r["user_id"]: r["reason"] for r in await conn.fetch(
        "SELECT user_id, reason FROM do_not_call")}
    assert rows == {1: "SMS opt-out (STOP)", 2: "agent recorded DO_NOT_CALL",
                    3: "do-not-call: other"}
    await svc.downgrade(engine, "0024")  # and back: the users stay blocked
    assert await current_revision(engine) == "0024"
    assert await conn.fetchval("SELECT count(*) FROM do_not_call") == 3
    await migrate(engine)
