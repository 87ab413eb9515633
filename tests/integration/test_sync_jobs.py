"""Scheduled sync jobs, dead-letter replay and the SyncStatus operation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.queue.model import QueueChanged
from sync_worker.consumer import Consumer
from sync_worker.jobs import JOBS, run_job
from sync_worker.replay import replay_dead_letters
from tests.cdc_env import drain, signed_update, sqs_queue
from tests.contracts import OPERATIONS
from tests.integration.test_leads import Api
from tests.queue_env import NOW, queue_env, queue_of

pytestmark = pytest.mark.integration
SYNC_STATUS = next(b for b in (OPERATIONS / "supervisor.graphql").read_text().split("\n\n")
                   if "query SyncStatus" in b)
STAMP, COMMITTED = "2026-11-24 09:59:00", "2026-11-24T09:59:00.200000Z"
SCHEDULED = timedelta(0)  # a scheduled run that is due (a forced one is a full sweep)


@pytest.fixture(scope="module")
async def env():
    async with queue_env(replica_schema_name="rmc", integrity_sample_size=100000) as built:
        yield built


async def _unsigned(rows) -> int:
    user = await rows.user(signature=None)
    await rows.requirement(await rows.claim(user))
    return user


async def test_reconciliation_fixes_drift_and_records_it(env):
    services, rows, _ = env
    users = [await _unsigned(rows) for _ in range(3)]
    for table in ("users", "claims", "claim_requirements", "user_addresses"):  # long ago
        await rows.db.execute(f"UPDATE {table} SET updated_at = '2026-11-01 00:00:00'")
    await rows.db.execute("UPDATE users SET updated_at = '2026-11-10 00:00:00' WHERE id = %s",
                          (users[2],))  # the latest change the full sweep sees
    first = await run_job(services, "reconcile", force=True)
    assert first.figures["full"] and first.figures["watermark"] == "2026-11-10T00:00:00+00:00"
    # The replica changes with no CDC message (a lost one): only reconciliation sees it.
    await rows.db.execute("UPDATE users SET current_signature_file_id = 9, updated_at = %s "
                          "WHERE id = %s", (STAMP, users[0]))
    await services.pg.execute(  # a real conversation the day before the signature
        "INSERT INTO calls (id, direction, status, user_id, started_at, talk_seconds) "
        "VALUES (gen_random_uuid(), 'OUTBOUND', 'COMPLETED', $1, $2, 45)",
        users[0], NOW - timedelta(days=5))
    # An entry lost on the dialler's side: no replica row changed, so a full sweep finds it.
    await services.pg.execute("DELETE FROM queue_entries WHERE user_id = $1", users[1])
    async with services.events.listen_wire(QueueChanged) as events:
        assert await services.events.wait_connected()
        result = await run_job(services, "reconcile", force=False, every=SCHEDULED)
        seen = [await asyncio.wait_for(anext(aiter(events)), 5)]
    # Read again: the change at the watermark (within the margin) and the new one.
    assert not result.figures["full"] and result.figures["changed_users"] == 2
    assert result.drift == 1 and result.figures["changes"] == {"MOVED": 1}
    assert result.figures["watermark"].startswith("2026-11-24T09:59:00")
    assert result.figures["conversions"] == 1  # the signature no CDC message told us of
    assert await services.pg.fetchval(
        "SELECT kind FROM conversions WHERE user_id = $1", users[0]) == "SIGNED"
    assert len(seen) == 1 and await queue_of(services, users[1]) is None
    assert await queue_of(services, users[0]) == "OUTSTANDING_REQUESTS"
    again = await run_job(services, "reconcile", force=False, every=SCHEDULED)  # nothing new
    assert (again.drift, again.figures["watermark"]) == (0, result.figures["watermark"])
    await services.pg.execute(  # as if the last full sweep were FULL_RECONCILE_HOURS ago
        "UPDATE job_runs SET started_at = started_at - make_interval(hours => $1) "
        "WHERE job = 'reconcile'", services.settings.full_reconcile_hours)
    full = await run_job(services, "reconcile", force=False, every=SCHEDULED)
    assert full.figures["full"] and full.figures["changes"] == {"ADDED": 1}
    assert await queue_of(services, users[1]) == "UNSIGNED"
    run = await services.pg.fetchrow(
        "SELECT status, drift FROM job_runs WHERE job = 'reconcile' ORDER BY id DESC LIMIT 1")
    assert (run["status"], run["drift"]) == ("DONE", 1)


async def test_two_workers_never_run_the_same_job_at_once(env, monkeypatch):
    services, _, _ = env
    started, release = asyncio.Event(), asyncio.Event()
    reconcile = JOBS["reconcile"]

    async def held_open(services, progress, forced):  # runs until the others have tried
        started.set()
        await release.wait()
        return await reconcile(services, progress, forced)

    monkeypatch.setitem(JOBS, "reconcile", held_open)
    first = asyncio.create_task(run_job(services, "reconcile", force=True))
    await asyncio.wait_for(started.wait(), 5)
    try:  # a second holder would wait for the release too: a timeout says so
        others = await asyncio.wait_for(asyncio.gather(
            *(run_job(services, "reconcile", force=True) for _ in range(2))), 5)
    finally:
        release.set()
    assert others == [None, None]
    assert await first is not None


async def test_a_job_not_yet_due_is_skipped(env):
    services, _, clock = env
    await run_job(services, "cleanup", force=True)
    assert await run_job(services, "cleanup", force=False, every=timedelta(hours=24)) is None
    clock.now = NOW + timedelta(hours=25)
    try:
        assert await run_job(services, "cleanup", force=False,
                             every=timedelta(hours=24)) is not None
    finally:
        clock.now = NOW


async def test_integrity_check_reports_what_differs_without_fixing_it(env):
    services, rows, _ = env
    user = await _unsigned(rows)
    await run_job(services, "reconcile", force=True)
    tampered = await services.pg.fetchval(
        "UPDATE queue_entries SET score = score + 1000 WHERE user_id = $1 RETURNING score", user)
    result = await run_job(services, "integrity", force=True)
    assert user in result.figures["mismatched_users"] and result.drift >= 1
    assert result.figures["replica_users"] >= 1
    assert await services.pg.fetchval(  # reported, not fixed
        "SELECT score FROM queue_entries WHERE user_id = $1", user) == tampered
    await run_job(services, "reconcile", force=True)
    assert (await run_job(services, "integrity", force=True)).drift == 0


async def test_cache_warming_caches_the_head_of_each_queue(env):
    services, rows, _ = env
    user = await _unsigned(rows)
    await run_job(services, "reconcile", force=True)
    await services.user_context_cache.invalidate([user])
    result = await run_job(services, "warm-cache", force=True)
    assert result.figures["warmed"] >= 1
    cached = await services.user_context_cache.get_many([user])
    assert cached[user].context.user.id == user


async def test_cleanup_removes_only_what_is_past_keeping(env):
    services, _, clock = env
    old, fresh = NOW - timedelta(days=200), NOW - timedelta(days=1)
    await services.pg.execute(
        "INSERT INTO cdc_seen (key, seen_at) VALUES ('old-key', $1), ('fresh-key', $2)",
        old, fresh)
    await services.pg.execute(
        "INSERT INTO queue_events (user_id, kind, reason, occurred_at) VALUES "
        "(1, 'ADDED', 'old', $1), (1, 'ADDED', 'fresh', $2)", old, fresh)
    result = await run_job(services, "cleanup", force=True)
    assert result.figures["cdc_seen"] >= 1 and result.figures["queue_events"] >= 1
    keys = {r["key"] for r in await services.pg.fetch("SELECT key FROM cdc_seen")}
    assert "fresh-key" in keys and "old-key" not in keys
    reasons = {r["reason"] for r in await services.pg.fetch(
        "SELECT reason FROM queue_events WHERE user_id = 1")}
    assert reasons == {"fresh"}


async def test_replay_sends_fixed_dead_letters_back_and_keeps_poison(env, moto_endpoint):
    services, rows, _ = env
    user = await _unsigned(rows)
    await services.queues.recompute([user], "setup")
    async with sqs_queue(moto_endpoint) as queue:
        good = signed_update(user, STAMP, COMMITTED)
        # A good record that reached the dead-letter queue (say, via the redrive policy).
        await queue.client.send_message(QueueUrl=queue.dead_letter_url, MessageBody=good)
        await queue.client.send_message(QueueUrl=queue.dead_letter_url, MessageBody="poison")
        await rows.db.execute("UPDATE users SET current_signature_file_id = 1, "
                              "updated_at = %s WHERE id = %s", (STAMP, user))
        report = await replay_dead_letters(services, queue, include_poison=False)
        assert (report.replayed, report.kept) == (1, 1)
        await drain(Consumer(queue, services.changes, services.sync_store), queue)
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"


async def test_sync_status_for_supervisors_only(env, moto_endpoint):
    services, rows, _ = env
    user = await _unsigned(rows)
    await services.queues.recompute([user], "setup")
    await rows.db.execute("UPDATE users SET current_signature_file_id = 1, updated_at = %s "
                          "WHERE id = %s", (STAMP, user))
    async with sqs_queue(moto_endpoint) as queue:
        await queue.send(signed_update(user, STAMP, COMMITTED))
        await queue.send("poison body")
        await drain(Consumer(queue, services.changes, services.sync_store), queue)
    await run_job(services, "reconcile", force=True)
    await run_job(services, "reconcile", force=True)  # the second finds nothing left to fix
    api = Api(services)
    try:
        _, supervisor = await api.agent("SUPERVISOR")
        status = (await api(SYNC_STATUS, {}, supervisor))["syncStatus"]
        _, agent = await api.agent("AGENT")
        refused = (await api.http.post("/graphql", json={"query": SYNC_STATUS},
                                       headers={"Authorization": f"Bearer {agent}"})).json()
    finally:
        await api.http.aclose()
    assert status["lastEventAt"].startswith("2026-11-24T09:59:00")
    assert status["lagSeconds"] == pytest.approx(59.8, abs=0.01)  # the fixed clock's 10:00
    assert status["deadLetters"] >= 1
    assert status["lastReconciliationDrift"] == 0 and status["lastReconciliationAt"]
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
