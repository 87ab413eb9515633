"""Named locks as leases in PostgreSQL: one holder, renewed while held, taken over when a
holder crashes; and the timers that share their schedule through them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from infrastructure.bootstrap import bootstrap
from infrastructure.postgres.locks import PgSchedule, job_lock
from infrastructure.postgres.pool import StatementCounter, create_pool
from service_layer.timed import CALLBACKS
from tests.queue_env import NOW, queue_env
from tests.waiting import wait_until

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def pool(pg_database):
    made = await create_pool(pg_database, StatementCounter(), max_size=2)
    yield made
    await made.close()


def _name(request) -> str:
    return f"test:{request.node.name}"[:64]


async def _lease(pool, name: str):
    return await pool.fetchrow("SELECT holder, expires_at FROM job_leases WHERE name = $1", name)


async def test_two_holders_never_hold_one_lock(pool, request):
    name = _name(request)
    async with job_lock(pool, name) as first:
        async with job_lock(pool, name) as second:
            assert (first, second) == (True, False)
        async with job_lock(pool, f"{name}:other") as unrelated:
            assert unrelated
    async with job_lock(pool, name) as after:
        assert after  # given back at the end of the block
    assert await _lease(pool, name) is None


async def test_a_lock_is_given_back_when_its_work_fails(pool, request):
    name = _name(request)
    with pytest.raises(ZeroDivisionError):
        async with job_lock(pool, name):
            _ = 1 / 0
    async with job_lock(pool, name) as held:
        assert held


async def test_the_work_under_a_lock_may_use_the_pool_whatever_its_size(pg_database, request):
    """No connection is held while the work runs: with a pool of one, the work still gets
    its connection (a lock holding one would leave it waiting until ServiceBusy)."""
    one = await create_pool(pg_database, StatementCounter(), max_size=1, acquire_timeout=1)
    try:
        async with job_lock(one, _name(request)) as held:
            assert held
            assert await one.fetchval("SELECT 1") == 1
    finally:
        await one.close()


async def test_a_held_lease_is_renewed_so_it_never_runs_out_under_its_holder(pool, request):
    name = _name(request)
    async with job_lock(pool, name, lease_seconds=0.6) as held:
        assert held
        first = (await _lease(pool, name))["expires_at"]

        async def renewed() -> bool:  # and refused to another holder each round meanwhile
            if (await _lease(pool, name))["expires_at"] > first:
                return True
            async with job_lock(pool, name) as other:
                assert not other
            return False

        await wait_until(renewed, "the lease was renewed", timeout=20, interval=0.05)


async def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(pool, request):
    name = _name(request)
    await pool.execute("INSERT INTO job_leases (name, holder, expires_at) "
                       "VALUES ($1, 'elsewhere/1/abc', now() + interval '1 hour')", name)
    async with job_lock(pool, name) as held:
        assert not held
    await pool.execute("UPDATE job_leases SET expires_at = now() - interval '1 second' "
                       "WHERE name = $1", name)
    async with job_lock(pool, name) as held:
        assert held
        assert (await _lease(pool, name))["holder"] != "elsewhere/1/abc"


CRASH = """
import asyncio, os, sys
from infrastructure.postgres.locks import job_lock
from infrastructure.postgres.pool import StatementCounter, create_pool
from infrastructure.settings import DatabaseAddress

async def main():
    pool = await create_pool(DatabaseAddress(sys.argv[1]), StatementCounter())
    async with job_lock(pool, sys.argv[2], lease_seconds=1.5) as held:
        print("held" if held else "refused", flush=True)
        os._exit(3)  # a crash: nothing is given back

asyncio.run(main())
"""


async def test_a_crashed_holders_lease_runs_out_and_another_process_takes_it(pool, pg_database,
                                                                             request):
    name = _name(request)
    crashed = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", CRASH, pg_database.plain_url, name],
        capture_output=True, timeout=60, cwd=ROOT)
    assert (crashed.returncode, crashed.stdout.strip()) == (3, b"held"), crashed.stderr
    lease = await _lease(pool, name)
    assert lease is not None and lease["holder"].split("/")[1].isdigit()  # left behind

    async def taken_over() -> bool:
        async with job_lock(pool, name) as held:
            return held

    await wait_until(taken_over, "the crashed holder's lease ran out", interval=0.05)


async def test_marks_are_shared_and_overwritten(pool, request):
    schedule, name = PgSchedule(pool), _name(request)
    assert await schedule.last(name) is None
    await schedule.mark(name, NOW)
    await schedule.mark(name, NOW + timedelta(seconds=5))
    assert await PgSchedule(pool).last(name) == NOW + timedelta(seconds=5)


async def test_two_processes_timers_scan_and_rescore_once_per_period():
    """Two processes' wiring over one database: one tick moves the due callback and
    rescores; the other finds both done (the shared marks), then the period passes."""
    async with queue_env() as (services, rows, clock):
        other = await bootstrap(services.settings, clock=clock)
        try:
            user = await rows.user(signature=None)
            await rows.claim(user)
            first = await services.timers.tick(on_schedule=True)
            second = await other.timers.tick(on_schedule=True)
            assert first is not None and first.rescored is not None and second is None
            clock.now = NOW + timedelta(seconds=6)
            third = await other.timers.tick(on_schedule=True)
            assert third is not None and third.rescored is None  # scanned; rescore not due
            assert await other.timers.schedule.last(CALLBACKS) == clock.now
            clock.now = NOW + timedelta(minutes=1, seconds=1)
            assert (await services.timers.tick(on_schedule=True)).rescored is not None
        finally:
            await other.close()
