"""The movement rollup: queueMovements answers exactly as the direct count over every queue
event, whatever is rolled up, late, uncommitted during a run or deleted by the cleanup,
across both clock changes in Europe/London."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from domain.analytics.figures import Period
from domain.analytics.ports import Bucket, Movement
from domain.queue.model import MovementCause, QueueType
from infrastructure.postgres.movement_rollups import PgMovementRollups
from infrastructure.postgres.pool import StatementCounter, create_pool
from infrastructure.postgres.views.analytics import PgAnalyticsReads
from infrastructure.postgres.views.movement_sql import DIRECT
from sync_worker.jobs import intervals, run_job
from tests import services as svc
from tests.queue_env import queue_env

pytestmark = pytest.mark.integration
Z = UTC
# Events from before the spring change to after the autumn one (29 March and 25 October
# 2026: an hour of 01:00 London that does not exist, and one that comes twice).
SPRING = (datetime(2026, 3, 28, 12, tzinfo=Z), datetime(2026, 3, 30, 12, tzinfo=Z))
AUTUMN = (datetime(2026, 10, 23, 12, tzinfo=Z), datetime(2026, 10, 27, 9, 30, tzinfo=Z))
UNTIL = datetime(2026, 10, 27, 6, tzinfo=Z)  # the rollup's bound: later hours stay live
PERIODS = [
    (datetime(2026, 3, 1, tzinfo=Z), datetime(2026, 11, 1, tzinfo=Z)),  # everything
    (datetime(2026, 10, 24, 23, tzinfo=Z), datetime(2026, 10, 26, 0, tzinfo=Z)),  # 25 hours
    (datetime(2026, 10, 25, 0, 30, tzinfo=Z), datetime(2026, 10, 25, 1, 30, tzinfo=Z)),
    (datetime(2026, 10, 24, 13, 17, tzinfo=Z), datetime(2026, 10, 26, 2, 41, tzinfo=Z)),
    (datetime(2026, 3, 29, 0, tzinfo=Z), datetime(2026, 3, 29, 23, tzinfo=Z)),  # 23 hours
    (datetime(2026, 3, 28, 18, 5, tzinfo=Z), datetime(2026, 3, 30, 7, tzinfo=Z)),
    (datetime(2026, 10, 26, 0, tzinfo=Z), datetime(2026, 10, 28, 0, tzinfo=Z)),  # past UNTIL
]
QUEUES = [None, *(q.value for q in QueueType)]
CAUSES = [None, *(c.value for c in MovementCause)]
_INSERT = ("INSERT INTO queue_events (user_id, kind, from_queue, to_queue, reason, "
           "occurred_at, cause) VALUES ($1, $2, $3, $4, 'test', $5, $6)")


@pytest.fixture
async def database():
    address = await svc.create_migrated_postgres_database("rollup_test")
    yield address
    await svc.drop_postgres_database(address)


@pytest.fixture
async def pool(database):
    made = await create_pool(database, StatementCounter(), max_size=4)
    yield made
    await made.close()


def _events(rng: random.Random, count: int, span: tuple[datetime, datetime]) -> list[tuple]:
    """Few users, so a user often moves the same way twice in an hour or a day."""
    seconds = (span[1] - span[0]).total_seconds()
    return [(rng.randint(1, 25), rng.choice(["ADDED", "REMOVED", "MOVED", "RESCORED"]),
             rng.choice(QUEUES), rng.choice(QUEUES),
             span[0] + timedelta(seconds=rng.uniform(0, seconds)), rng.choice(CAUSES))
            for _ in range(count)]


async def _write(pool, events: list[tuple]) -> None:
    async with pool.acquire() as conn:
        await conn.executemany(_INSERT, events)


async def _direct(pool, start: datetime, end: datetime, bucket: Bucket) -> list[Movement]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(DIRECT, start, end, bucket.value.lower())
    return [Movement(r["bucket_start"], r["from_queue"] and QueueType(r["from_queue"]),
                     r["to_queue"] and QueueType(r["to_queue"]), MovementCause(r["cause"]),
                     r["users"]) for r in rows]


async def _same_as_direct(pool) -> None:
    reads = PgAnalyticsReads(pool)
    for start, end in PERIODS:
        for bucket in Bucket:
            assert await reads.movements(Period(start, end), bucket) == \
                await _direct(pool, start, end, bucket), (start, end, bucket)


async def _held(pool, unit: str) -> list[tuple]:
    async with pool.acquire() as conn:
        return [tuple(r) for r in await conn.fetch(
            "SELECT bucket_start, nullif(from_queue, ''), nullif(to_queue, ''), cause, users "
            "FROM queue_movement_rollups WHERE bucket = $1 ORDER BY 1, 2 NULLS FIRST, "
            "3 NULLS FIRST, 4", unit)]


async def _held_is_direct(pool) -> None:
    """The rollup itself holds the direct count of every closed hour and day."""
    for unit, end in (("hour", UNTIL), ("day", datetime(2026, 10, 27, 0, tzinfo=Z))):
        async with pool.acquire() as conn:
            direct = [tuple(r) for r in await conn.fetch(DIRECT, datetime(2026, 1, 1, tzinfo=Z),
                                                         end, unit)]
        assert await _held(pool, unit) == direct, unit


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rolled_up_or_not_the_answer_is_the_direct_count(pool, seed):
    rng = random.Random(seed)
    rollups = PgMovementRollups(pool)
    await _write(pool, _events(rng, 150, SPRING) + _events(rng, 600, AUTUMN))
    await _same_as_direct(pool)  # nothing rolled up yet
    first = await rollups.roll_up(UNTIL)
    assert first.buckets > 0 and first.rolled_until == UNTIL
    await _held_is_direct(pool)
    await _same_as_direct(pool)
    # Late: written after the run into hours and days it already holds, and into the
    # clock-change hours; counted live until the next run, which takes them in.
    late = _events(rng, 40, SPRING) + _events(rng, 40, (datetime(2026, 10, 25, 0, tzinfo=Z),
                                                        datetime(2026, 10, 25, 2, tzinfo=Z)))
    await _write(pool, late + _events(rng, 40, AUTUMN))
    await _same_as_direct(pool)
    again = await rollups.roll_up(UNTIL)
    assert 0 < again.buckets < first.buckets
    await _held_is_direct(pool)
    await _same_as_direct(pool)
    assert (await rollups.roll_up(UNTIL)).buckets == 0  # nothing new: nothing redone


async def test_a_late_user_counts_once_in_a_group_and_only_if_new_to_it(pool):
    nine = datetime(2026, 10, 26, 9, tzinfo=Z)
    moved = ("MOVED", "UNSIGNED", "CALLBACK")
    await _write(pool, [(1, *moved, nine, "CALLBACK_DUE"), (2, *moved, nine, "CALLBACK_DUE")])
    await PgMovementRollups(pool).roll_up(UNTIL)
    await _write(pool, [
        (1, *moved, nine + timedelta(minutes=5), "CALLBACK_DUE"),  # already counted
        (3, *moved, nine + timedelta(minutes=6), "CALLBACK_DUE"),  # new, twice
        (3, *moved, nine + timedelta(minutes=7), "CALLBACK_DUE"),
        (1, *moved, nine + timedelta(minutes=8), "DISPOSITION"),  # new to this cause
        (4, "ADDED", None, "UNSIGNED", nine + timedelta(hours=3), None)])  # a group of its own
    found = await PgAnalyticsReads(pool).movements(Period(nine, nine + timedelta(hours=4)),
                                                   Bucket.HOUR)
    assert [(m.bucket_start.hour, m.cause.value, m.users) for m in found] == [
        (9, "CALLBACK_DUE", 3), (9, "DISPOSITION", 1), (12, "OTHER", 1)]
    await _same_as_direct(pool)


async def test_a_later_run_takes_in_the_hours_closed_since(pool):
    rng = random.Random(7)
    rollups = PgMovementRollups(pool)
    await _write(pool, _events(rng, 400, AUTUMN))
    await rollups.roll_up(datetime(2026, 10, 24, 0, tzinfo=Z))
    await _same_as_direct(pool)
    later = await rollups.roll_up(UNTIL)
    assert later.rolled_until == UNTIL
    await _held_is_direct(pool)
    await _same_as_direct(pool)
    # A clock gone back leaves the rollup where it was.
    assert (await rollups.roll_up(datetime(2026, 10, 25, tzinfo=Z))).rolled_until == UNTIL


async def test_events_uncommitted_while_a_run_reads_are_not_lost(pool, database):
    """Committed after the run with ids below what it saw: found by their transaction."""
    rng = random.Random(11)
    rollups = PgMovementRollups(pool)
    await _write(pool, _events(rng, 300, AUTUMN))
    await rollups.roll_up(datetime(2026, 10, 26, tzinfo=Z))
    slow = await asyncpg.connect(database.plain_url)
    try:
        transaction = slow.transaction()
        await transaction.start()
        await slow.executemany(_INSERT, _events(rng, 30, AUTUMN))  # the lower ids
        await _write(pool, _events(rng, 30, AUTUMN))  # higher ids, committed first
        await rollups.roll_up(UNTIL)
        await _same_as_direct(pool)
        await transaction.commit()
    finally:
        await slow.close()
    await _same_as_direct(pool)  # counted live: committed after the run's snapshot
    await rollups.roll_up(UNTIL)
    await _held_is_direct(pool)
    await _same_as_direct(pool)


async def test_the_cleanup_deletes_nothing_the_rollup_still_counts(pool):
    rng = random.Random(5)
    rollups = PgMovementRollups(pool)
    await _write(pool, _events(rng, 150, SPRING) + _events(rng, 500, AUTUMN))
    await rollups.roll_up(UNTIL)
    cutoff = datetime(2026, 10, 24, 15, 20, tzinfo=Z)
    await rollups.forget_before(cutoff)
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM queue_events WHERE occurred_at < $1", cutoff)
        oldest = await conn.fetchval("SELECT min(bucket_start) FROM queue_movement_rollups")
    assert oldest >= datetime(2026, 10, 24, 23, tzinfo=Z)  # 25 October begins in London
    await _same_as_direct(pool)
    await _write(pool, _events(rng, 20, AUTUMN))  # some before the bound: counted live
    await rollups.roll_up(UNTIL)
    await _same_as_direct(pool)


async def test_nothing_to_roll_up(pool):
    report = await PgMovementRollups(pool).roll_up(UNTIL)
    assert (report.buckets, report.rows, report.rolled_until) == (0, 0, UNTIL)
    await _write(pool, _events(random.Random(3), 50, AUTUMN))  # all after that first run
    await _same_as_direct(pool)
    await PgMovementRollups(pool).roll_up(UNTIL)
    await _held_is_direct(pool)


async def test_the_worker_rolls_up_on_schedule_and_the_cleanup_forgets_first():
    async with queue_env() as (services, _, clock):
        pool = services.pg
        await _write(pool, _events(random.Random(9), 400, AUTUMN))
        clock.now = UNTIL + timedelta(minutes=30)
        assert "movement-rollup" in intervals(services)
        result = await run_job(services, "movement-rollup", force=True)
        assert result.figures["rolled_until"] == UNTIL.isoformat()
        assert result.figures["buckets"] > 0 and result.figures["rows"] > 0
        assert await run_job(services, "movement-rollup", force=False,
                             every=timedelta(minutes=5)) is None  # not due yet
        await _held_is_direct(pool)
        # 90 days of queue events kept: the cutoff falls inside the rolled-up days.
        clock.now = datetime(2026, 10, 24, 15, 20, tzinfo=Z) + timedelta(days=90)
        cleaned = await run_job(services, "cleanup", force=True)
        assert cleaned.figures["queue_events"] > 0
        period = (datetime(2026, 10, 23, tzinfo=Z), datetime(2026, 10, 28, tzinfo=Z))
        for bucket in Bucket:
            assert await services.analytics.queue_movements(*period, bucket) == \
                await _direct(pool, *period, bucket)
