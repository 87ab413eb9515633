"""Queue membership from real replica rows: precedence, exclusions, rebuild and events."""

from __future__ import annotations

import asyncio
import json

import pytest

from domain.queue.model import QueueChanged
from domain.users.do_not_call import DoNotCallReason
from infrastructure.postgres.dispositions import schedule
from infrastructure.postgres.do_not_call_sql import add_entry
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
VALID = "07911 123456"


@pytest.fixture(scope="module")
async def env():
    async with queue_env() as built:
        yield built


async def _people(rows, services):
    ids = {}
    ids["unsigned"] = await rows.user(signature=None)
    await rows.claim(ids["unsigned"], status="new", lender="Santander")
    ids["outstanding"] = await rows.user(signature=0)  # 0 is a signature
    await rows.requirement(await rows.claim(ids["outstanding"], status="complete"))
    ids["only_complete"] = await rows.user(signature=None)
    await rows.claim(ids["only_complete"], status="complete")
    ids["undialable"] = await rows.user(signature=None, phone_number="07700 900123")
    await rows.claim(ids["undialable"])
    ids["inactive"] = await rows.user(signature=None, status="inactive")
    await rows.claim(ids["inactive"])
    ids["rejected_claim"] = await rows.user(signature=None)
    await rows.claim(ids["rejected_claim"], status="rejected", lender="Halifax")
    ids["enabled_null"] = await rows.user(signature=None, is_enabled=None)
    await rows.claim(ids["enabled_null"])
    ids["callback"] = await rows.user(signature=5)
    await rows.requirement(await rows.claim(ids["callback"]))
    ids["dnc"] = await rows.user(signature=None)
    await rows.claim(ids["dnc"])
    async with services.pg.acquire() as conn:
        await schedule(conn, ids["callback"], NOW.replace(hour=9), None, False, None, NOW)
        await add_entry(conn, user_id=ids["dnc"], e164=None, reason=DoNotCallReason.OTHER,
                        note="test", by=None, now=NOW)
    return ids


async def _entries(services) -> dict[int, tuple[str, float]]:
    async with services.pg.acquire() as conn:
        rows = await conn.fetch("SELECT user_id, queue_type, score FROM queue_entries")
    return {r["user_id"]: (r["queue_type"], r["score"]) for r in rows}


async def test_rebuild_places_each_user_by_the_rules(env):
    services, rows, _ = env
    ids = await _people(rows, services)
    report = await services.queues.rebuild()
    placed = {k: (await _entries(services)).get(v, (None,))[0] for k, v in ids.items()}
    assert placed == {
        "unsigned": "UNSIGNED", "outstanding": "OUTSTANDING_REQUESTS", "only_complete": None,
        "undialable": None, "inactive": None, "rejected_claim": "UNSIGNED",
        "enabled_null": None, "callback": "CALLBACK", "dnc": None,
    }
    assert report.excluded["undialable phone number"] == 1
    assert report.excluded["on the do-not-call list"] == 1
    assert report.by_kind == {"ADDED": 4}
    again = await services.queues.rebuild()
    assert again.changes == [] and again.written == 0


async def test_the_better_lender_scores_lower(env):
    services, rows, _ = env
    santander = await rows.user(signature=None)
    await rows.claim(santander, lender=" SANTANDER UK ")
    halifax = await rows.user(signature=None)
    await rows.claim(halifax, lender="Halifax")
    await services.queues.recompute([santander, halifax], "test")
    entries = await _entries(services)
    assert entries[santander][1] == entries[halifax][1] - 20


async def test_changes_are_published_and_recorded(env):
    services, rows, _ = env
    user_id = await rows.user(signature=None)
    claim = await rows.claim(user_id)
    async with services.events.listen_wire(QueueChanged) as events:
        assert await services.events.wait_connected()
        await services.queues.recompute([user_id], "cdc")
        added = json.loads(await asyncio.wait_for(anext(events), 5))
        await rows.db.execute("UPDATE users SET current_signature_file_id = 9 WHERE id = %s",
                              (user_id,))
        await rows.requirement(claim)
        await services.queues.recompute([user_id], "cdc")
        moved = json.loads(await asyncio.wait_for(anext(events), 5))
        await rows.db.execute("UPDATE claim_requirements SET status = 'COMPLETED' "
                              "WHERE claim_id = %s", (claim,))
        await services.queues.recompute([user_id], "cdc")
        removed = json.loads(await asyncio.wait_for(anext(events), 5))
    assert (added["kind"], added["to_queue"]) == ("ADDED", "UNSIGNED")
    assert (moved["kind"], moved["from_queue"], moved["to_queue"]) == (
        "MOVED", "UNSIGNED", "OUTSTANDING_REQUESTS")
    assert (removed["kind"], removed["from_queue"]) == ("REMOVED", "OUTSTANDING_REQUESTS")
    async with services.pg.acquire() as conn:
        kinds = [r[0] for r in await conn.fetch(
            "SELECT kind FROM queue_events WHERE user_id = $1 ORDER BY id", user_id)]
    assert kinds == ["ADDED", "MOVED", "REMOVED"]


async def test_a_user_deleted_from_the_replica_leaves_the_queue(env):
    services, rows, _ = env
    user_id = await rows.user(signature=None)
    await rows.claim(user_id)
    await services.queues.recompute([user_id], "cdc")
    await rows.db.execute("DELETE FROM users WHERE id = %s", (user_id,))
    report = await services.queues.recompute([user_id], "cdc")
    assert [c.kind.value for c in report.changes] == ["REMOVED"]
    assert user_id not in await _entries(services)


async def test_a_failed_rebuild_leaves_each_range_whole(env, monkeypatch):
    """Ranges commit one by one: a crash in one leaves it as it was, those before rebuilt."""
    services, rows, _ = env
    services.queues.stores.range_size = 4
    try:
        await services.queues.rebuild()
        before = await _entries(services)
        fresh = [await rows.user(signature=None) for _ in range(9)]  # spans 3+ ranges
        for user_id in fresh:
            await rows.claim(user_id)
        from infrastructure.postgres.queue_store import PgQueueStore as queue_store

        real = queue_store.write_changes
        failing_range = fresh[-1] // 4

        async def failing(conn, before_, after, changes):
            if any(u // 4 == failing_range for u in after):
                raise RuntimeError("crash mid-rebuild")
            return await real(conn, before_, after, changes)

        monkeypatch.setattr(queue_store, "write_changes", failing)
        with pytest.raises(RuntimeError):
            await services.queues.rebuild()
    finally:
        services.queues.stores.range_size = 50_000
    after = await _entries(services)
    assert {u: e for u, e in after.items() if u // 4 == failing_range} == {
        u: e for u, e in before.items() if u // 4 == failing_range}
    assert all(u not in after for u in fresh if u // 4 == failing_range)
    assert all(u in after for u in fresh if u // 4 < failing_range)


async def test_a_rebuild_in_many_ranges_gives_the_same_queue(env):
    services, rows, _ = env
    for signature in (None, 3, None, 4):
        user = await rows.user(signature=signature)
        await rows.requirement(await rows.claim(user))
    await services.queues.rebuild()
    whole = await _entries(services)
    services.queues.stores.range_size = 2  # many ranges, pending requirements read in one pass
    try:
        report = await services.queues.rebuild()
    finally:
        services.queues.stores.range_size = 50_000
    assert report.changes == [] and await _entries(services) == whole
