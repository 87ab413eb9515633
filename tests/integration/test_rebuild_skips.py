"""A rebuild that keeps the users whose inputs have not moved gives what building all gives.

Hypothesis draws random changes to replica rows and to the dialler's own data, made
behind the incremental path's back (no recompute), and moves the clock; a rebuild then
keeps everyone whose inputs stand and builds the rest; a rebuild that reads and scores
everyone afresh must find nothing left to change.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.queue_changes import apply, op_strategy, reset
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
USERS = 30  # few changes among them: the rebuild reads those by id, not the whole range


@pytest.fixture(scope="module")
async def env():
    async with queue_env() as built:
        services, rows, clock = built
        users = [await rows.user(signature=None) for _ in range(USERS)]
        yield services, rows, users, clock


async def _inputs(services) -> dict:
    async with services.pg.acquire() as conn:
        rows = await conn.fetch("SELECT user_id, digest FROM queue_inputs")
    return {r["user_id"]: r["digest"] for r in rows}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(op_strategy(USERS), min_size=0, max_size=5),
       later=st.sampled_from([timedelta(0), timedelta(hours=3), timedelta(days=40)]))
async def test_a_rebuild_that_skips_unmoved_users_equals_building_everyone(env, ops, later):
    services, rows, users, clock = env
    clock.now = NOW
    await reset(services, rows, users)
    await services.queues.rebuild()  # every user's inputs are kept now
    touched = {await apply(services, rows, users, op) for op in ops}
    clock.now = NOW + later
    skipping = await services.queues.rebuild()
    if not later:
        assert skipping.kept >= USERS - len(touched)
    assert set(await _inputs(services)) >= set(users)
    fresh = await services.queues.rebuild(afresh=True)
    assert fresh.changes == [], [(c.kind, c.user_id, c.from_queue, c.to_queue, c.score)
                                 for c in fresh.changes]


async def test_a_user_deleted_from_the_replica_is_removed_and_forgotten(env):
    services, rows, users, clock = env
    clock.now = NOW
    await reset(services, rows, users)
    gone = await rows.user(signature=None)
    await rows.claim(gone)
    await services.queues.rebuild()
    assert gone in await _inputs(services)
    await rows.db.execute("DELETE FROM claims WHERE user_id = %s", (gone,))
    await rows.db.execute("DELETE FROM users WHERE id = %s", (gone,))
    report = await services.queues.rebuild()
    assert [(c.kind.value, c.user_id) for c in report.changes] == [("REMOVED", gone)]
    assert gone not in await _inputs(services)


async def test_an_incremental_writer_forgets_what_the_rebuild_kept(env):
    """Otherwise facts that moved and moved back would be taken for facts never moved."""
    services, rows, users, clock = env
    clock.now = NOW
    await reset(services, rows, users)
    user = users[0]
    await rows.db.execute("UPDATE users SET current_signature_file_id = 9 WHERE id = %s",
                          (user,))
    await services.queues.recompute([user], "cdc")
    assert user not in await _inputs(services)
    await rows.db.execute("UPDATE users SET current_signature_file_id = NULL WHERE id = %s",
                          (user,))
    report = await services.queues.rebuild()  # back to the facts the kept digest stood for
    assert (await services.queues.rebuild(afresh=True)).changes == []
    assert user in {c.user_id for c in report.changes}


async def test_a_crash_while_keeping_inputs_leaves_the_range_as_it_was(env, monkeypatch):
    """Entries and what they were built from commit together or not at all."""
    services, rows, users, clock = env
    clock.now = NOW
    await reset(services, rows, users)
    before, kept = await _rows(services), await _inputs(services)
    for user in users[:3]:
        await rows.db.execute("UPDATE users SET current_signature_file_id = 4 WHERE id = %s",
                              (user,))
    from infrastructure.postgres.queue_store import PgQueueStore

    async def dies(store, seen, forgotten):
        await store.conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(PgQueueStore, "keep_inputs", dies)
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for a lost link
        await services.queues.rebuild()
    monkeypatch.undo()
    assert await _rows(services) == before and await _inputs(services) == kept
    report = await services.queues.rebuild()
    assert {c.user_id for c in report.changes} >= {users[0], users[2]}  # signed: no queue
    assert (await services.queues.rebuild(afresh=True)).changes == []


async def _rows(services) -> dict:
    async with services.pg.acquire() as conn:
        rows = await conn.fetch("SELECT user_id, queue_type, score FROM queue_entries")
    return {r["user_id"]: (r["queue_type"], r["score"]) for r in rows}
