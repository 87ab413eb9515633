"""A crash mid-rescore or mid-reconciliation leaves the queue as it was, and a rerun finishes.

(A crash mid-rebuild: test_queue_rebuild and test_rebuild_skips.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from infrastructure.postgres.queue_store import PgQueueStore
from sync_worker.jobs import run_job
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
SCHEDULED = timedelta(0)


@pytest.fixture
async def env():
    async with queue_env(replica_schema_name="rmc") as built:
        yield built


async def _entries(services, users) -> dict:
    rows = await services.pg.fetch(
        "SELECT user_id, queue_type, score, next_change_at FROM queue_entries "
        "WHERE user_id = ANY($1)", users)
    return {r["user_id"]: tuple(r) for r in rows}


def _dies_on(call: int, monkeypatch) -> None:
    """The database connection is lost in the ``call``-th write of queue changes."""
    real, calls = PgQueueStore.write_changes, []

    async def write_changes(store, before, after, changes):
        calls.append(1)
        if len(calls) == call:
            await store.conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return await real(store, before, after, changes)

    monkeypatch.setattr(PgQueueStore, "write_changes", write_changes)


async def test_a_crash_mid_rescore_keeps_each_entry_whole_and_due(env, monkeypatch):
    services, rows, clock = env
    users = []
    for _ in range(4):
        user = await rows.user(signature=None, date_of_birth=None)
        await rows.claim(user, created_at=(NOW - timedelta(days=1, hours=1)).replace(
            tzinfo=None))
        users.append(user)
    await services.queues.rebuild()
    built = await _entries(services, users)
    clock.now = NOW + timedelta(days=2)
    services.queues.chunk = 2  # two transactions: the second one dies
    _dies_on(2, monkeypatch)
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for a lost link
        await services.queues.rescore_due()
    monkeypatch.undo()
    now = await _entries(services, users)
    rescored = [u for u in users if now[u] != built[u]]
    assert len(rescored) == 2  # the first transaction's, whole
    for user in set(users) - set(rescored):  # the others as they were, and due still
        assert now[user] == built[user] and now[user][3] <= clock.now
    assert (await services.queues.rescore_due()).users == 2
    assert await services.queues.compare(users) == []


async def test_a_crash_mid_reconciliation_keeps_its_watermark(env, monkeypatch):
    services, rows, clock = env
    users = []
    for _ in range(4):
        user = await rows.user(signature=None)
        await rows.claim(user)
        users.append(user)
    await rows.db.execute("UPDATE users SET updated_at = '2026-11-01 00:00:00'")
    await run_job(services, "reconcile", force=True)
    state = await services.job_runs.reconcile_state()
    await rows.db.execute("UPDATE users SET current_signature_file_id = 3, "
                          "updated_at = '2026-11-24 09:59:00'")  # all four signed, no CDC
    services.queues.chunk = 2
    _dies_on(2, monkeypatch)
    with pytest.raises(Exception):  # noqa: B017
        await run_job(services, "reconcile", force=False, every=SCHEDULED)
    monkeypatch.undo()
    assert (await services.job_runs.reconcile_state()).watermark == state.watermark
    left = [u for u in users if await services.pg.fetchval(
        "SELECT 1 FROM queue_entries WHERE user_id = $1", u)]
    assert len(left) == 2  # the second transaction's users, as they were
    again = await run_job(services, "reconcile", force=False, every=SCHEDULED)
    assert again.figures["changed_users"] == 4 and again.figures["changes"] == {"REMOVED": 2}
    assert await services.queues.compare(users) == []
