"""The queues under the shipped ``learned`` rule set: incremental equals rebuild at several
moments of the day, time moves scores at the window's edges, and a new snapshot rescores."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service_layer.explain import explain
from tests.contracts import ROOT
from tests.queue_changes import apply, op_strategy, reset
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
USERS = 10
LEARNED = json.loads((ROOT / "infrastructure/shipped_rule_sets/learned.json").read_text())
# London is on GMT in November: 07:00 (closed), 08:30, 10:00 and 18:30 (in some users'
# best hours), 21:00 (closed).
SPACING = (0.5, 0.7, 0.9, 1.1, 1.2, 1.0)  # each gap's contacts against expected
MOMENTS = [NOW.replace(hour=h, minute=m) for h, m in ((7, 0), (8, 30), (10, 0), (18, 30),
                                                      (21, 0))]


async def store_snapshot(services, version: int, users: list[int], shift: int = 0) -> None:
    """A snapshot in which user i answers best from hour 8 + 2i (mod 12), and every third
    prefers texts; segment rates for the users' queues."""
    async with services.pg.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE learning_snapshots SET status = 'SUPERSEDED'")
        snapshot = await conn.fetchval(
            "INSERT INTO learning_snapshots (version, status, created_at, figures) "
            "VALUES ($1, 'ACTIVE', $2, '{}') RETURNING id", version, NOW)
        for i, user in enumerate(users):
            start = 8 + (2 * i + shift) % 12
            start = min(start, 18)
            attempts = [4] * 12
            contacts = [3 if start <= 8 + h < start + 2 else 1 for h in range(12)]
            estimates = [c / 4 for c in contacts]
            texts, replied = (6, 5) if i % 3 == 0 else (4, 0)
            await conn.execute(
                "INSERT INTO learned_users (snapshot_id, user_id, contacts, attempts, estimates,"
                " best_start, best_estimate, calls, answered, texts, replied, call_rate, "
                "text_rate, preferred, best_end, best_confidence, call_confidence, "
                "text_confidence) VALUES ($1, $2, $3, $4, $5, $6, 0.7, 48, $7, $8, $9, "
                "$10, $11, $12, $13, 0.6, 0.8, 0.5)",
                snapshot, user, contacts, attempts, estimates, start, sum(contacts), texts,
                replied, sum(contacts) / 48, replied / texts,
                "SMS" if replied / texts > sum(contacts) / 48 + 0.05 else "CALL", start + 2)
        await conn.execute(
            "INSERT INTO learned_segments (snapshot_id, segment, estimates) "
            "VALUES ($1, 'everyone', $2)", snapshot, [0.25] * 12)
        await conn.executemany(
            "INSERT INTO learned_spacing (snapshot_id, gap, calls, contacts, expected, ratio, "
            "confidence) VALUES ($1, $2, 100, $3, 25.0, $4, 0.55)",
            [(snapshot, gap, round(25 * ratio), ratio) for gap, ratio in enumerate(SPACING)])
        for queue in ("UNSIGNED", "OUTSTANDING_REQUESTS"):
            await conn.execute(
                "INSERT INTO learned_queue_conversions (snapshot_id, queue_type, converted, "
                "worked, estimate, confidence) VALUES ($1, $2, 100, 1000, 0.1, 1.0)",
                snapshot, queue)
            await conn.executemany(
                "INSERT INTO learned_conversions (snapshot_id, age_band, area, lender, "
                "queue_type, converted, worked, estimate, confidence) VALUES "
                "($1, $2, 'area unknown', $3, $4, 10, 50, $5, 0.5)",
                [(snapshot, band, lender, queue, rate)
                 for band in ("age unknown", "60+", "under 30")
                 for lender, rate in (("santander", 0.2 + shift / 100), ("lloyds", 0.05),
                                      ("lender unknown", 0.12))])


@pytest.fixture(scope="module")
async def env():
    async with queue_env() as built:
        services, rows, clock = built
        users = [await rows.user(signature=None) for _ in range(USERS)]
        await store_snapshot(services, 1, users)
        created = await services.rule_sets.create("learned", LEARNED, None)
        await services.rule_sets.activate(created.id, NOW)
        yield services, rows, users, clock


async def entries(services) -> dict:
    async with services.pg.acquire() as conn:
        rows = await conn.fetch("SELECT user_id, queue_type, score, scored_snapshot, "
                                "basis_window_start, basis_hour_rates FROM queue_entries")
    return {r["user_id"]: dict(r) for r in rows}


async def test_entries_keep_the_habits_and_snapshot_that_scored_them(env):
    services, rows, users, clock = env
    clock.now = MOMENTS[3]
    await reset(services, rows, users)
    found = await entries(services)
    assert {found[u]["scored_snapshot"] for u in users} == {1}
    assert {found[u]["basis_window_start"] for u in users} >= {8, 10, 18}
    assert found[users[5]]["basis_hour_rates"] == [0.25] * 10 + [0.75] * 2
    fresh = await services.queues.rebuild(afresh=True)
    assert fresh.changes == []


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(op_strategy(USERS), min_size=1, max_size=6),
       moment=st.sampled_from(MOMENTS))
async def test_incremental_equals_rebuild_with_learned_factors(env, ops, moment):
    services, rows, users, clock = env
    clock.now = moment
    await reset(services, rows, users)
    for op in ops:
        user = await apply(services, rows, users, op)
        await services.queues.recompute([user], "test")
    report = await services.queues.rebuild(afresh=True)
    assert report.changes == [], [(c.kind, c.user_id, c.from_queue, c.to_queue, c.score)
                                  for c in report.changes]


@pytest.mark.parametrize("start, later", [(0, 1), (1, 2), (2, 3), (3, 4)])
async def test_time_alone_moves_scores_at_the_window_edges(env, start, later):
    services, rows, users, clock = env
    clock.now = MOMENTS[start]
    await reset(services, rows, users)
    before = await entries(services)
    clock.now = MOMENTS[later]
    await services.queues.rescore_due()
    after = await entries(services)
    fresh = await services.queues.rebuild(afresh=True)
    assert fresh.changes == [], "the rescorer left scores a rebuild would change"
    if (start, later) == (2, 3):  # 10:00 -> 18:30: users whose window is 18-20 move up,
        # those whose is 10-12 down (contact_hour: their 18:00 is below their day's mean)
        moved = [u for u in users if after[u]["score"] < before[u]["score"]]
        assert moved and all(after[u]["basis_window_start"] == 18 for u in moved)
        down = [u for u in users if after[u]["score"] > before[u]["score"]]
        assert down and all(after[u]["basis_window_start"] == 10 for u in down)


async def missed_call(services, user: int, at) -> None:
    """The user's last call, at ``at``, went unanswered (behind the incremental path)."""
    await services.pg.execute(
        "INSERT INTO call_scores (user_id, current_score, total_attempts, failed_attempts, "
        "last_outcome, last_called_at) VALUES ($1, 0, 1, 1, 'no_answer', $2)", user, at)


async def test_a_retry_after_a_miss_waits_by_its_gap_and_moves_at_the_next(env):
    services, rows, users, clock = env
    clock.now = MOMENTS[2]
    await reset(services, rows, users)
    user = users[4]
    await missed_call(services, user, clock.now - timedelta(minutes=90))
    await services.queues.recompute([user], "test")
    [spacing] = [f for f in (await explain(services.queues, user, clock.now)).breakdown.factors
                 if f.name == "retry_spacing"]
    points = LEARNED["learned"]["retry_spacing"]["points"]
    assert spacing.reason.startswith(
        "Last called 1 h ago and missed: calls within 2 h of a missed call reach 0.50 times "
        "what their hours promise (12 contacts where 25 were expected, 100 calls)")
    assert spacing.points == round(points * (0.5 - 1), 2)
    before = (await entries(services))[user]["score"]
    clock.now += timedelta(minutes=31)  # 2 h and a minute since the miss
    await services.queues.rescore_due()
    after = (await entries(services))[user]["score"]
    assert round(after - before, 2) == round(points * (0.7 - 0.5), 2)
    fresh = await services.queues.rebuild(afresh=True)
    assert fresh.changes == [], "the rescorer left scores a rebuild would change"


async def test_a_rebuild_keeps_no_user_whose_last_call_moved_behind_its_back(env):
    services, rows, users, clock = env
    clock.now = MOMENTS[2]
    await reset(services, rows, users)
    user = users[6]
    await missed_call(services, user, clock.now - timedelta(hours=30))
    await services.queues.rebuild()  # every user's inputs kept, the miss among them
    await services.pg.execute("UPDATE call_scores SET last_called_at = $2 WHERE user_id = $1",
                              user, clock.now - timedelta(minutes=20))
    skipping = await services.queues.rebuild()
    assert skipping.kept == len(users) - 1
    fresh = await services.queues.rebuild(afresh=True)
    assert fresh.changes == []


async def test_a_new_snapshot_rescores_the_learned_users(env):
    services, rows, users, clock = env
    clock.now = MOMENTS[2]
    await reset(services, rows, users)
    await services.queues.rebuild()  # inputs kept for everyone
    before = await entries(services)
    await store_snapshot(services, 2, users, shift=1)
    report = await services.queues.rebuild()
    after = await entries(services)
    assert {after[u]["scored_snapshot"] for u in users} == {2}
    assert report.kept == 0  # the snapshot is an input of every learned score
    assert any(after[u]["score"] != before[u]["score"] for u in users)
    fresh = await services.queues.rebuild(afresh=True)
    assert fresh.changes == []
    await store_snapshot(services, 3, users)  # back to the first habits, for later tests


async def test_a_rule_set_naming_a_missing_snapshot_is_refused_with_its_path(env):
    services, *_ = env
    document = json.loads(json.dumps(LEARNED))
    document["learned"]["snapshot"] = 99
    problems = await services.rule_sets.create("pinned", document, None)
    assert [(p.path, "99" in p.message) for p in problems] == [("learned.snapshot", True)]
    document["learned"]["snapshot"] = 1
    assert not isinstance(await services.rule_sets.create("pinned", document, None), list)
    document["learned"]["model"]["enabled"] = True
    problems = await services.rule_sets.create("with model", document, None)
    assert [p.path for p in problems] == ["learned.model.file"]


async def test_explain_names_the_learned_evidence_and_its_points_add_up(env):
    services, rows, users, clock = env
    clock.now = MOMENTS[3]  # 18:30: user 5's best hours are 18:00-20:00
    await reset(services, rows, users)
    found = await explain(services.queues, users[5], clock.now)
    b = found.breakdown
    [window] = [f for f in b.factors if f.name == "calling_window"]
    assert window.reason.startswith("In their best hours: answers 6 of 8 calls between "
                                    "18:00 and 20:00")
    assert window.points == -6.0  # -10 x confidence 0.6
    [hour] = [f for f in b.factors if f.name == "contact_hour"]
    # 0.75 at 18:00 against their day's mean of 0.33: 2.25 times, so the whole -40
    assert hour.reason.startswith("At 18:00 they answer p(contact) = 0.75, 2.25 times the "
                                  "0.33 of their calling day (learned from 48 calls of their")
    assert hour.points == -40.0
    learned = [f.points for f in b.factors if f.name in (
        "calling_window", "contact_hour", "segment_conversion", "preferred_channel",
        "retry_spacing", "model")]
    assert round(sum(learned), 2) == b.learned
    assert round(b.lender + b.age + b.time + b.disposition + b.adjustment + b.learned, 2) \
        == b.total
    texter = await explain(services.queues, users[0], clock.now)  # every third prefers texts
    assert texter.channel_advice.startswith("Text rather than call: answers ")
    assert "replies to 5 of 6 texts" in texter.channel_advice
