"""`dialler queue refresh`, `dialler scoring explain`, and callbacks falling due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infrastructure.postgres.dispositions import schedule
from tests.integration.test_cli import invoke
from tests.queue_env import NOW
from tests.queue_env import queue_of as _queue_of

pytestmark = pytest.mark.integration


async def test_queue_refresh_and_scoring_explain_from_the_shell(shell_env):
    services, rows, _ = shell_env
    user = await rows.user(signature=None, phone_number="07911 123456")
    await rows.requirement(await rows.claim(user, lender="Barclays Bank"))
    await rows.user(signature=None, phone_number="n/a")
    refreshed = await invoke("queue", "refresh")
    assert refreshed.exit_code == 0, refreshed.output
    assert "2 users read" in refreshed.output and "'ADDED': 1" in refreshed.output
    assert "undialable phone number: 1" in refreshed.output
    explained = await invoke("scoring", "explain", str(user))
    assert explained.exit_code == 0, explained.output
    assert "UNSIGNED" in explained.output and "Barclays Bank (barclays): -15" in explained.output
    assert "Ask for the signature" in explained.output
    missing = await invoke("scoring", "explain", "99999999")
    assert missing.exit_code == 1 and "no user 99999999" in missing.output


async def test_a_callback_falling_due_moves_its_user_on_the_next_tick(shell_env):
    services, rows, clock = shell_env
    user = await rows.user(signature=None)
    await rows.claim(user)
    await services.queues.rebuild()
    async with services.pg.acquire() as conn:
        await schedule(conn, user, NOW + timedelta(minutes=30), None, False, None, NOW)
    assert (await services.timers.tick()).due == 0
    assert await _queue_of(services, user) == "UNSIGNED"
    clock.now = NOW + timedelta(minutes=30, seconds=2)
    assert (await services.timers.tick()).due == 1
    assert await _queue_of(services, user) == "CALLBACK"
    assert (await services.timers.tick()).due == 0  # the scan resumes where it stopped


async def test_only_one_process_runs_the_timers_at_once(shell_env):
    services, _, _ = shell_env
    from infrastructure.postgres.locks import job_lock

    async with (job_lock(services.pg, "queue-timers") as first,
                job_lock(services.pg, "queue-timers") as second):
        assert (first, second) == (True, False)



async def test_scores_drift_with_time_on_the_minute_rescore_without_the_replica(shell_env):
    services, rows, clock = shell_env
    users = []
    for days in (1, 3, 10, 40):  # claim ages: a day-tick each, the last at its cap already
        user = await rows.user(signature=None, date_of_birth=None)
        await rows.claim(user, created_at=(NOW - timedelta(days=days, hours=1)).replace(
            tzinfo=None))
        users.append(user)
    await services.queues.rebuild()
    due = await services.pg.fetch(
        "SELECT user_id, next_change_at FROM queue_entries WHERE user_id = ANY($1) "
        "ORDER BY user_id", users)
    assert [d["next_change_at"] is None for d in due] == [False, False, False, True]
    clock.now = NOW + timedelta(days=2)
    await services.pg.execute("INSERT INTO queue_dirty (user_id, marked_at) VALUES ($1, $2)",
                              users[0], NOW)  # an update owed: the rescore must not settle it
    replica_reads = services.replica.db.statements
    report = await services.queues.rescore_due()  # what the timers run every minute
    assert report.users == 3 and services.replica.db.statements == replica_reads
    assert await services.queues.compare(users) == []  # what a rebuild now would give
    assert await services.pg.fetchval("SELECT count(*) FROM queue_dirty WHERE user_id = $1",
                                      users[0]) == 1
    events = await services.pg.fetch(
        "SELECT user_id, kind, reason FROM queue_events WHERE reason = 'time' ORDER BY user_id")
    assert [(e["user_id"], e["kind"]) for e in events] == [(u, "RESCORED") for u in users[:3]]
    assert (await services.queues.rescore_due()).users == 0  # each due again a day on
