"""Connections: nested use fails (the guard every test runs under), a full pool says busy."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import text

from domain.agents.model import Role
from domain.agents.sessions import Principal
from domain.errors import ServiceBusy
from graphql_api.app import create_app
from infrastructure.postgres.engine import make_engine
from infrastructure.postgres.pool import StatementCounter, create_pool
from infrastructure.postgres.pool_guard import NestedAcquire
from tests.queue_env import queue_env

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(pg_database):
    built = await create_pool(pg_database, StatementCounter(), 2, acquire_timeout=0.3)
    yield built
    await built.close()


async def test_a_second_connection_while_holding_one_fails(pool, pg_database):
    engine = make_engine(pg_database, pool_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
            with pytest.raises(NestedAcquire):
                await pool.fetchval("SELECT 1")
            with pytest.raises(NestedAcquire):
                async with engine.connect() as other:
                    await other.execute(text("SELECT 1"))
        async with engine.begin() as conn:  # SQLAlchemy gives it back in a task of its own
            await conn.execute(text("SELECT 1"))
        with pytest.raises(NestedAcquire):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                await pool.fetchval("SELECT 1")
        assert await pool.fetchval("SELECT 2") == 2  # and one at a time is fine
    finally:
        await engine.dispose()


async def test_tasks_holding_one_each_do_not_trip_it(pool):
    async def one() -> int:
        async with pool.acquire() as conn:
            await asyncio.sleep(0.01)
            return await conn.fetchval("SELECT 1")

    assert await asyncio.gather(*(one() for _ in range(6))) == [1] * 6


async def test_a_full_pool_answers_busy_instead_of_waiting(pool):
    hold, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with pool.acquire():
            hold.set()
            await release.wait()

    holders = [asyncio.create_task(holder()) for _ in range(2)]
    await hold.wait()
    await asyncio.sleep(0.05)
    try:
        with pytest.raises(ServiceBusy):
            await pool.fetchval("SELECT 1")
    finally:
        release.set()
        await asyncio.gather(*holders)
    assert await pool.fetchval("SELECT 1") == 1


async def test_the_api_says_service_busy_with_when_to_retry():
    async with queue_env(pg_pool_size=2, pg_acquire_timeout_seconds=0.3) as (services, _, _c):
        token = services.tokens.issue(Principal(uuid.uuid4(), Role.SUPERVISOR)).token
        hold, release = asyncio.Event(), asyncio.Event()

        async def holder() -> None:
            async with services.pg.acquire():
                hold.set()
                await release.wait()

        holders = [asyncio.create_task(holder()) for _ in range(2)]
        await hold.wait()
        await asyncio.sleep(0.05)
        transport = httpx.ASGITransport(app=create_app(services))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                body = (await http.post("/graphql", json={
                    "query": "{ queueStats { queueType size } }"},
                    headers={"Authorization": f"Bearer {token}"})).json()
        finally:
            release.set()
            await asyncio.gather(*holders)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "SERVICE_BUSY", body
        assert error["extensions"]["retryAfterSeconds"] >= 1
        assert "busy" in error["message"]
