"""Alembic migrations: from nothing to head, idempotent, safe when run concurrently."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect

from infrastructure.postgres.engine import make_engine
from infrastructure.postgres.migrate import current_revision, head_revision, migrate
from tests import services as svc

pytestmark = pytest.mark.integration


@pytest.fixture
async def fresh_database():
    address = await svc.create_postgres_database("migrate_test")
    yield address
    await svc.drop_postgres_database(address)


async def test_migrate_creates_every_table_and_is_idempotent(fresh_database):
    engine = make_engine(fresh_database, pool_size=2)
    try:
        assert await current_revision(engine) is None
        assert await migrate(engine) == head_revision()
        assert await migrate(engine) == head_revision()
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert {"agents", "agent_sessions", "agent_status_history", "call_scores",
            "audit_log", "alembic_version", "queue_entries", "callbacks", "dispositions",
            "do_not_call", "rule_sets", "experiments", "queue_events"} <= tables


async def test_concurrent_migrations_do_not_collide(fresh_database):
    engines = [make_engine(fresh_database, pool_size=1) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(e) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    assert set(results) == {head_revision()}


async def test_migrations_match_the_models(fresh_database):
    """Autogenerate finds nothing to do: the tables in code and in migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import infrastructure.postgres.all_tables  # noqa: F401

    engine = make_engine(fresh_database, pool_size=1)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True}), SQLModel.metadata))
    finally:
        await engine.dispose()
    assert diff == []
