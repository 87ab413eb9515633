"""The CDC worker against moto's SQS server and the real PostgreSQL, MariaDB and Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest

from service_layer.agents import create_agent
from sync_worker.consumer import Consumer
from tests.cdc_env import (
    SAMPLES,
    dead_letters,
    drain,
    requirement_update,
    signed_update,
    sqs_queue,
)
from tests.queue_env import NOW, queue_env, queue_of

pytestmark = pytest.mark.integration
STAMP = "2026-11-24 09:59:00"  # the rows' new updated_at: just before the fixed clock
COMMITTED = "2026-11-24T09:59:00.200000Z"


@pytest.fixture(scope="module")
async def env():
    async with queue_env(replica_schema_name="rmc", sync_retry_base_seconds=1) as built:
        yield built


@pytest.fixture
async def queue(moto_endpoint):
    async with sqs_queue(moto_endpoint) as q:
        yield q


def consumer_for(services, queue) -> Consumer:
    return Consumer(queue, services.changes, services.sync_store, pollers=1, wait_seconds=1)


async def _unsigned_user(rows, services) -> int:
    user = await rows.user(signature=None)
    await rows.requirement(await rows.claim(user, status="in_progress"))
    await services.queues.recompute([user], "test setup")
    assert await queue_of(services, user) == "UNSIGNED"
    return user


async def _sign(rows, user: int, stamp: str = STAMP) -> None:
    await rows.db.execute("UPDATE users SET current_signature_file_id = 88123, updated_at = %s "
                          "WHERE id = %s", (stamp, user))


async def test_every_contract_sample_is_handled_each_delivered_three_times(env, queue):
    services, _, clock = env
    clock.now = NOW + timedelta(days=30)  # every sample long committed: none waits for lag
    try:
        for _ in range(3):
            for path in sorted(SAMPLES.iterdir()):
                if path.suffix in (".json", ".txt"):
                    await queue.send(path.read_text())
        outcomes = await drain(consumer_for(services, queue), queue)
    finally:
        clock.now = NOW
    counts: dict[str, int] = {}
    for outcome in outcomes:
        for key, value in outcome.counts.items():
            counts[key] = counts.get(key, 0) + value
    assert counts.get("dead_lettered") == 6 and counts.get("control") == 3
    assert counts.get("applied", 0) + counts.get("duplicate", 0) == 24
    # Seven distinct records (the Kinesis one wraps the plain DMS one), each applied once.
    assert (counts.get("applied"), counts.get("duplicate")) == (7, 17)
    dead = await dead_letters(queue)
    reasons = {m["MessageAttributes"]["reason"]["StringValue"] for m in dead}
    assert len(dead) == 6 and any("body is not JSON" in r for r in reasons)
    assert (SAMPLES / "poison-not-json.txt").read_text() in {m["Body"] for m in dead}
    recorded = await services.pg.fetchval(
        "SELECT count(*) FROM dead_letters WHERE message_id = ANY($1::text[])",
        [m["MessageAttributes"]["original-message-id"]["StringValue"] for m in dead])
    assert recorded == 6


async def test_a_signature_moves_the_user_and_counts_a_conversion_once(env, queue):
    services, rows, _ = env
    user = await _unsigned_user(rows, services)
    await services.pg.execute(
        "INSERT INTO calls (id, direction, status, user_id, started_at, talk_seconds) "
        "VALUES (gen_random_uuid(), 'OUTBOUND', 'COMPLETED', $1, $2, 95)",
        user, NOW - timedelta(days=1))
    await _sign(rows, user)
    body = signed_update(user, STAMP, COMMITTED)
    for _ in range(3):  # at-least-once delivery: the same record three times
        await queue.send(body)
    outcomes = await drain(consumer_for(services, queue), queue)
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"
    assert sum(o.counts.get("applied", 0) for o in outcomes) >= 1
    assert sum(o.counts.get("applied", 0) + o.counts.get("duplicate", 0)
               for o in outcomes) == 3
    moved = await services.pg.fetch(
        "SELECT from_queue, to_queue FROM queue_events WHERE user_id = $1 AND reason = 'cdc'",
        user)
    assert [tuple(r) for r in moved] == [("UNSIGNED", "OUTSTANDING_REQUESTS")]
    conversions = await services.pg.fetch(
        "SELECT kind FROM conversions WHERE user_id = $1", user)
    assert [r["kind"] for r in conversions] == ["SIGNED"]
    follow_ups = await services.pg.fetch("SELECT kind FROM sms_follow_ups WHERE user_id = $1",
                                         user)
    assert [r["kind"] for r in follow_ups] == ["REVIEW_REQUEST"]


async def _agent(services, name: str, automated: bool = False) -> uuid.UUID:
    agent = await create_agent(services.uow(), services.hasher,
                               policy=services.password_policy,
                               email=f"{uuid.uuid4().hex[:8]}@example.com",
                               password="long enough password", name=name, role="AGENT",
                               at=NOW)
    if automated:  # no helper makes an automated agent yet
        await services.pg.execute("UPDATE agents SET automated = true WHERE id = $1", agent.id)
    return agent.id


async def _link(services, user: int, sent_by: uuid.UUID, sent_days_ago: int, *,
                clicked_days_ago: int | None = None, used_days_ago: int | None = None) -> None:
    def ago(days):
        return None if days is None else NOW - timedelta(days=days)

    await services.pg.execute(
        "INSERT INTO magic_links (id, token_hash, user_id, purpose, channel, sent_by, sent_at, "
        "expires_at, clicked_at, last_clicked_at, click_count, used_at) VALUES ($1, $2, $3, "
        "'SIGN', 'SMS', $4, $5::timestamptz, $5::timestamptz + interval '7 days', $6, $6, $7, "
        "$8)",
        uuid.uuid4(), uuid.uuid4().hex * 2, user, sent_by, ago(sent_days_ago),
        ago(clicked_days_ago), int(clicked_days_ago is not None), ago(used_days_ago))


async def test_a_followed_link_credits_its_sender_unless_a_real_call_came_first(env, queue):
    services, rows, _ = env
    ava, alice = await _agent(services, "Ava (AI)", automated=True), await _agent(services,
                                                                                   "Alice")
    clicked, redeemed, called, ignored = [await _unsigned_user(rows, services)
                                          for _ in range(4)]
    await _link(services, clicked, ava, 3, clicked_days_ago=2)
    await _link(services, clicked, alice, 40, clicked_days_ago=35)  # before the window
    await _link(services, redeemed, alice, 6, used_days_ago=5)
    await _link(services, called, ava, 2, clicked_days_ago=1)
    await services.pg.execute(
        "INSERT INTO calls (id, direction, status, user_id, agent_id, queue_type, started_at, "
        "talk_seconds) VALUES (gen_random_uuid(), 'OUTBOUND', 'COMPLETED', $1, $2, 'UNSIGNED', "
        "$3, 95)", called, alice, NOW - timedelta(days=4))
    await _link(services, ignored, ava, 1)  # sent, never followed: no reaching out
    for user in (clicked, redeemed, called, ignored):
        await _sign(rows, user)
        await queue.send(signed_update(user, STAMP, COMMITTED))
    await drain(consumer_for(services, queue), queue)
    credited = {r["user_id"]: (r["agent_id"], r["call_id"] is not None, r["queue_type"])
                for r in await services.pg.fetch(
                    "SELECT user_id, agent_id, call_id, queue_type FROM conversions "
                    "WHERE user_id = ANY($1::bigint[])", [clicked, redeemed, called, ignored])}
    assert credited == {clicked: (ava, False, None), redeemed: (alice, False, None),
                        called: (alice, True, "UNSIGNED")}


async def test_a_reversed_sequence_ends_in_the_replicas_current_state(env, queue):
    services, rows, _ = env
    user = await _unsigned_user(rows, services)
    claim = await rows.claim(user, status="in_progress")
    requirements = [await rows.requirement(claim) for _ in range(2)]
    await _sign(rows, user)
    bodies = [signed_update(user, STAMP, COMMITTED)]
    for requirement in requirements:
        await rows.db.execute("UPDATE claim_requirements SET status = 'COMPLETED', "
                              "updated_at = %s WHERE id = %s", (STAMP, requirement))
        bodies.append(requirement_update(requirement, claim, "COMPLETED", STAMP, COMMITTED))
    for body in reversed(bodies):
        await queue.send(body)
    await drain(consumer_for(services, queue), queue)
    rebuilt = await services.queues.compare([user])
    assert rebuilt == []  # what a rebuild would give: nothing left to change
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"  # the first claim's one


async def test_a_requirement_without_its_claim_in_the_image_is_found_through_the_replica(
        env, queue):
    services, rows, _ = env
    user = await rows.user(signature=7)
    requirement = await rows.requirement(await rows.claim(user))
    await services.queues.recompute([user], "test setup")
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"
    await rows.db.execute("UPDATE claim_requirements SET status = 'COMPLETED', updated_at = %s "
                          "WHERE id = %s", (STAMP, requirement))
    await queue.send(requirement_update(requirement, None, "COMPLETED", STAMP, COMMITTED))
    await drain(consumer_for(services, queue), queue)
    assert await queue_of(services, user) is None


async def test_poison_goes_to_the_dead_letter_queue_without_holding_up_its_batch(env, queue):
    services, rows, _ = env
    user = await _unsigned_user(rows, services)
    await _sign(rows, user)
    await queue.send("definitely { not json")
    await queue.send(signed_update(user, STAMP, COMMITTED))
    await queue.send(json.dumps({"hello": "world"}))
    outcomes = await drain(consumer_for(services, queue), queue)
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"
    assert sum(o.counts.get("dead_lettered", 0) for o in outcomes) == 2
    reasons = {m["Body"]: m["MessageAttributes"]["reason"]["StringValue"]
               for m in await dead_letters(queue)}
    assert reasons.keys() == {"definitely { not json", '{"hello": "world"}'}
    assert "neither" in reasons['{"hello": "world"}']


async def test_a_record_newer_than_the_replica_waits_and_is_applied_once_it_catches_up(
        env, queue):
    services, rows, clock = env
    user = await _unsigned_user(rows, services)
    consumer = consumer_for(services, queue)
    # The main database committed at 09:59:30; the replica still has the 09:00 row.
    await queue.send(signed_update(user, "2026-11-24 09:59:30", "2026-11-24T09:59:30Z"))
    outcome = await consumer.handle(await queue.receive(10, 1))
    assert outcome.counts == {"retried": 1} and not outcome.delete
    assert await queue_of(services, user) == "UNSIGNED"  # nothing computed from stale data
    await _sign(rows, user, "2026-11-24 09:59:30")  # the replica catches up
    await asyncio.sleep(1.2)  # the back-off (1 s on the first receive)
    await drain(consumer, queue)
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"


async def test_a_fifo_queue_works_the_same(env, moto_endpoint):
    services, rows, _ = env
    user = await _unsigned_user(rows, services)
    await _sign(rows, user)
    async with sqs_queue(moto_endpoint, fifo=True) as fifo:
        await fifo.send(signed_update(user, STAMP, COMMITTED))
        await fifo.send("not json at all")
        await drain(consumer_for(services, fifo), fifo)
        dead = await dead_letters(fifo)
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"
    assert [m["Body"] for m in dead] == ["not json at all"]


async def test_a_failing_batch_deletes_nothing_and_comes_back(env, queue, monkeypatch):
    services, rows, _ = env
    user = await _unsigned_user(rows, services)
    await _sign(rows, user)
    await queue.send(signed_update(user, STAMP, COMMITTED))
    consumer = consumer_for(services, queue)
    consumer.failure_delay = 1

    async def broken(*_a, **_k):
        raise ConnectionError("replica went away")

    monkeypatch.setattr(services.changes.lookups, "for_changes", broken)
    assert await consumer.handle(await queue.receive(10, 1)) is None
    monkeypatch.undo()
    await asyncio.sleep(1.2)
    await drain(consumer, queue)
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"


async def test_a_change_reaches_the_user_search_with_the_queues(env, queue):
    services, rows, _ = env
    user = await _unsigned_user(rows, services)
    await services.search_keeper.refresh([user])
    await rows.db.execute("UPDATE users SET first_name = 'Cressida', last_name = 'Renamed', "
                          "current_signature_file_id = 88123, updated_at = %s WHERE id = %s",
                          (STAMP, user))
    await queue.send(signed_update(user, STAMP, COMMITTED))
    await drain(consumer_for(services, queue), queue)
    found = await services.user_search.search("Cressida Renamed", 5)
    assert [(h.user_id, h.rank) for h in found][:1] == [(user, 1.0)]
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"
