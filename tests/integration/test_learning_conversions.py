"""A learning run learns conversion rates per segment and per agent from a small history
whose counts are known, stores them with the rest of the snapshot or not at all, and the
snapshot reads back for scoring as it was learned."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import asyncpg
import pytest

from domain.learning.channels import as_evidence
from domain.learning.conversions import ConversionCounts
from domain.learning.snapshot import UserFacts, conversion_segments, learn
from infrastructure.postgres.learned_scoring import agent_rates, snapshot_tables, user_habits
from tests.queue_env import NOW, queue_env
from tests.replica_rows import next_id

pytestmark = pytest.mark.integration
OLD, NEWER = datetime(2024, 2, 1), datetime(2026, 1, 1)
UNKNOWN = ("age unknown", "area unknown", "lender unknown")


async def _agent(conn, email: str) -> uuid.UUID:
    return await conn.fetchval(
        "INSERT INTO agents (id, email, name, role, password_hash, is_active) "
        "VALUES (gen_random_uuid(), $1, 'Agent', 'AGENT', 'x', true) RETURNING id", email)


async def _call(conn, user, agent, queue, outcome, *, email=None, external=None, hours=0):
    await conn.execute(
        "INSERT INTO calls (id, direction, status, user_id, agent_id, queue_type, outcome, "
        "started_at, talk_seconds, updated_at, agent_email, external_id) VALUES "
        "(gen_random_uuid(), 'OUTBOUND', 'COMPLETED', $1, $2, $3, $4, $5, 60, $5, $6, $7)",
        user, agent, queue, outcome, NOW - timedelta(days=3, hours=hours), email, external)


async def _conversion(conn, user, agent, queue):
    await conn.execute(
        "INSERT INTO conversions (dedupe_key, kind, user_id, agent_id, queue_type, "
        "occurred_at) VALUES ($1, 'SIGNED', $2, $3, $4, $5)",
        uuid.uuid4().hex, user, agent, queue, NOW - timedelta(days=1))


async def _users(rows) -> dict[str, int]:
    a = await rows.user(date_of_birth=date(1950, 5, 1))  # 60+, LS, santander (oldest)
    await rows.address(a, post_code="LS1 4AP")
    await rows.claim(a, lender="Lloyds Bank", created_at=NEWER)
    await rows.claim(a, lender="Santander UK", created_at=OLD)
    b = await rows.user(date_of_birth=date(1950, 6, 1))  # 60+, LS, santander
    await rows.address(b, post_code="ls2 7ab")
    await rows.claim(b, lender=" santander ")
    c = await rows.user(date_of_birth=date(1990, 5, 1))  # 30-44, M, barclays
    await rows.address(c, post_code="M1 1AE")
    await rows.claim(c, lender="HSBC", status="complete", created_at=OLD)  # not open
    await rows.claim(c, lender="Barclays Bank", created_at=NEWER)
    d = await rows.user(date_of_birth=date(1950, 5, 1))  # 60+, no address, no claim
    return {"a": a, "b": b, "c": c, "d": d, "e": next_id()}  # e: not in the replica


async def _history(conn, u: dict[str, int]) -> dict[str, uuid.UUID]:
    ann, bob = await _agent(conn, "ann@example.com"), await _agent(conn, "bob@example.com")
    cat = await _agent(conn, "cat@example.com")
    await _call(conn, u["a"], ann, "UNSIGNED", "contacted")
    await _call(conn, u["a"], ann, "UNSIGNED", "no_answer", hours=-2)  # the same user again
    await _conversion(conn, u["a"], ann, "UNSIGNED")
    await _call(conn, u["b"], bob, "UNSIGNED", "contacted")
    await _call(conn, u["b"], bob, "OUTSTANDING_REQUESTS", "no_answer")  # reached nobody
    await _call(conn, u["c"], ann, "UNSIGNED", "callback_requested")
    await _conversion(conn, u["c"], ann, "UNSIGNED")
    # An agent known only by e-mail on the call: counted as that agent.
    await _call(conn, u["c"], None, "OUTSTANDING_REQUESTS", "contacted", email="cat@example.com")
    await _conversion(conn, u["c"], cat, "OUTSTANDING_REQUESTS")
    # Imported history carries no queue: it counts in no queue's rate, nor any agent's.
    await _call(conn, u["d"], ann, None, "contacted", external="h1")
    await _call(conn, u["d"], None, None, "contacted", email="ann@example.com", external="h2")
    await _conversion(conn, u["d"], ann, None)
    await _call(conn, u["d"], bob, "UNSIGNED", "left_voicemail")  # reached nobody
    await _conversion(conn, u["d"], ann, "UNSIGNED")  # credited, but d was never worked there
    await _call(conn, u["e"], bob, "UNSIGNED", "contacted")
    await _conversion(conn, u["e"], ann, "UNSIGNED")  # the queue's, not bob's
    return {"ann": ann, "bob": bob, "cat": cat}


@pytest.fixture(scope="module")
async def world():
    async with queue_env() as (services, rows, clock):
        users = await _users(rows)
        async with services.pg.acquire() as conn:
            agents = await _history(conn, users)
        report = await services.learning.run()
        yield services, users, agents, report


async def _fetch(services, sql: str, *args) -> list[asyncpg.Record]:
    async with services.pg.acquire() as conn:
        return await conn.fetch(sql, *args)


async def test_segment_rates_count_distinct_users_worked_and_converted(world):
    services, _, _, report = world
    rows = await _fetch(services, "SELECT age_band, area, lender, queue_type, converted, "
                                  "worked, estimate, confidence FROM learned_conversions")
    assert {(r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in rows} == {
        ("60+", "LS", "santander", "UNSIGNED"): (1, 2),
        ("30-44", "M", "barclays", "UNSIGNED"): (1, 1),
        (*UNKNOWN, "UNSIGNED"): (1, 1),
        ("30-44", "M", "barclays", "OUTSTANDING_REQUESTS"): (1, 1)}
    queues = await _fetch(services, "SELECT queue_type, converted, worked, estimate, "
                                    "confidence FROM learned_queue_conversions")
    assert {r[0]: tuple(r[1:]) for r in queues} == {
        "UNSIGNED": (3, 4, 0.75, 1.0), "OUTSTANDING_REQUESTS": (1, 1, 1.0, 1.0)}
    for r in rows:  # shrunk toward the queue's pool: never past it from the own rate
        pool = 0.75 if r["queue_type"] == "UNSIGNED" else 1.0
        own = r["converted"] / r["worked"]
        assert min(own, pool) <= r["estimate"] <= max(own, pool)
        assert 0.0 <= r["confidence"] <= 1.0


async def test_agent_rates_per_queue_and_lender(world):
    services, _, agents, _ = world
    rows = await _fetch(services, "SELECT agent_id, queue_type, lender, converted, worked, "
                                  "team_estimate FROM learned_agents")
    name = {v: k for k, v in agents.items()}
    assert {(name[r[0]], r[1], r[2]): (r[3], r[4], r[5]) for r in rows} == {
        ("ann", "UNSIGNED", "santander"): (1, 1, 0.5),
        ("bob", "UNSIGNED", "santander"): (0, 1, 0.5),
        ("ann", "UNSIGNED", "barclays"): (1, 1, 1.0),
        ("bob", "UNSIGNED", "lender unknown"): (0, 1, 0.0),
        ("cat", "OUTSTANDING_REQUESTS", "barclays"): (1, 1, 1.0)}


async def test_the_learned_user_columns_scoring_reads(world):
    services, users, _, report = world
    row = (await _fetch(services, "SELECT best_start, best_end, best_confidence, contacts, "
                                  "attempts, call_confidence, text_confidence, calls "
                                  "FROM learned_users WHERE user_id = $1", users["a"]))[0]
    assert row["best_end"] == row["best_start"] + 2
    assert 0.0 <= row["best_confidence"] < 1.0 and 0.0 < row["call_confidence"] < 1.0
    assert row["text_confidence"] == 0.0 and row["calls"] == 2  # no texts: no evidence
    async with services.pg.acquire() as conn:
        habits = await user_habits(conn, report.version, [users["a"], users["e"], 1])
    assert set(habits) == {users["a"], users["e"]}  # user 1 has no row
    a = habits[users["a"]]
    assert (a.calls.successes, a.calls.trials) == (1, 2) and a.texts.trials == 0  # everyone's
    assert (a.window_start, a.window_end) == (row["best_start"], row["best_end"])
    hours = slice(row["best_start"] - 8, row["best_end"] - 8)
    assert (a.window.successes, a.window.trials, a.window.confidence) == (
        sum(row["contacts"][hours]), sum(row["attempts"][hours]), row["best_confidence"])


async def test_the_snapshot_reads_back_as_it_was_learned(world):
    services, users, agents, _ = world
    a, d, e = users["a"], users["d"], users["e"]
    facts = {a: UserFacts(date(1950, 5, 1), "LS1 4AP", (("Santander UK", OLD),)),
             d: UserFacts(None, None)}
    segments = conversion_segments(facts, NOW.date())
    assert segments == {a: ("60+", "LS", "santander"), d: UNKNOWN}
    learned = learn({a: {18: (3, 4), 10: (0, 4)}, d: {12: (1, 2)}}, {a: (3, 8), d: (1, 2)},
                    {a: (2, 3), e: (3, 3)}, segments, ConversionCounts(
                        {("60+", "LS", "santander", "UNSIGNED"): (2, 5),
                         ("under 30", "M", "hsbc", "UNSIGNED"): (1, 1),
                         ("60+", "LS", "santander", "CALLBACK"): (0, 3)},
                        {(agents["ann"], "UNSIGNED", "santander"): (1, 1),
                         (agents["bob"], "UNSIGNED", "santander"): (3, 10)}))
    version = await services.learning.store.save(learned, {}, NOW)
    async with services.pg.acquire() as conn:
        tables = await snapshot_tables(conn, version)
        assert await snapshot_tables(conn, None) == tables  # the new one is the active one
        assert await snapshot_tables(conn, version + 5) is None
        habits = await user_habits(conn, version, [a, d, e])
        ann = await agent_rates(conn, version, agents["ann"])
        assert await agent_rates(conn, version, agents["cat"]) == {}
    assert tables.conversions == {k: as_evidence(r) for k, r in
                                  learned.conversions.segments.items()}
    assert tables.baseline == {q: as_evidence(r) for q, r in learned.conversions.queues.items()}
    window, channel = learned.windows[a], learned.channels[a]
    assert (habits[a].window_start, habits[a].window_end) == (window.start, window.end)
    assert habits[a].window == as_evidence(window.rate)
    assert habits[a].calls == as_evidence(channel.calls)
    assert habits[a].texts == as_evidence(channel.texts)
    assert habits[a].preferred is channel.preferred
    assert habits[d].calls == as_evidence(learned.channels[d].calls)
    # never texted: everyone's reply rate, as learning set their calls against
    assert habits[d].texts == as_evidence(learned.channels[d].texts)
    assert habits[d].texts.trials == 0
    # only ever texted: set against everyone's answer rate, not against nothing
    assert habits[e].calls == as_evidence(learned.channels[e].calls)
    assert habits[e].calls.trials == 0 and habits[e].calls.estimate > 0
    assert habits[e].preferred is learned.channels[e].preferred
    rate = learned.agents[(agents["ann"], "UNSIGNED", "santander")]
    assert ann == {("UNSIGNED", "santander"): (as_evidence(rate.agent), rate.team.estimate)}
    assert rate.team.estimate == 4 / 11 < rate.agent.estimate < 1.0  # 1 of 1, pulled to team


async def test_a_run_failing_mid_save_leaves_the_previous_snapshot_active(world):
    services, *_ = world
    before = await _fetch(services, "SELECT id, version, status FROM learning_snapshots "
                                    "ORDER BY version")
    counts = "SELECT (SELECT count(*) FROM learned_users), (SELECT count(*) FROM " \
             "learned_segments), (SELECT count(*) FROM learned_conversions), (SELECT " \
             "count(*) FROM learned_queue_conversions), (SELECT count(*) FROM learned_agents)"
    rows_before = await _fetch(services, counts)
    # A real fault in the last table the save writes, after every other row has gone in.
    await _fetch(services, "ALTER TABLE learned_agents ADD CONSTRAINT refuse_all "
                           "CHECK (worked < 0) NOT VALID")
    try:
        with pytest.raises(asyncpg.CheckViolationError):
            await services.learning.run()
    finally:
        await _fetch(services, "ALTER TABLE learned_agents DROP CONSTRAINT refuse_all")
    # A table gone while the history is counted: the hourly counts are stopped with it.
    await _fetch(services, "ALTER TABLE conversions RENAME TO conversions_gone")
    try:
        with pytest.raises(asyncpg.UndefinedTableError):
            await services.learning.run()
    finally:
        await _fetch(services, "ALTER TABLE conversions_gone RENAME TO conversions")
    assert await _fetch(services, "SELECT id, version, status FROM learning_snapshots "
                                  "ORDER BY version") == before
    assert await _fetch(services, counts) == rows_before
    assert before[-1]["status"] == "ACTIVE"
    again = await services.learning.run()
    assert again.version == before[-1]["version"] + 1
