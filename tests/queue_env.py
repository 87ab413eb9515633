"""A dialler of its own for queue tests: fresh replica and dialler databases, fixed clock."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from infrastructure.bootstrap import bootstrap
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.ddl import create_replica_tables
from infrastructure.settings import Settings
from tests import services as svc
from tests.conftest import TEST_SECRET
from tests.replica_rows import ReplicaRows

# A Tuesday morning in November: inside the default calling window.
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def queue_env(**settings_overrides):
    """(services, replica rows, clock) over databases made for the caller and dropped after."""
    replica_addr = await svc.create_mysql_database("queue_replica")
    pg_addr = await svc.create_migrated_postgres_database("queue_dialler")
    writer = await ReplicaDatabase.open(replica_addr, read_only=False)
    services = None
    try:
        await create_replica_tables(writer)
        chosen = {"database_url": pg_addr.plain_url,
                  "replica_database_url": replica_addr.plain_url, "redis_url": svc.REDIS_URL,
                  "jwt_secret": TEST_SECRET, "log_json": False,
                  "redis_key_prefix": f"test-{uuid.uuid4().hex[:8]}:",
                  # One process: tests that change a rebuild's range size or inject faults
                  # mean this one (test_queue_processes spreads on purpose).
                  "rebuild_processes": 1}
        settings = Settings(**(chosen | settings_overrides))
        clock = Clock()
        services = await bootstrap(settings, clock=clock)
        yield services, ReplicaRows(writer), clock
    finally:
        if services:
            await services.close()
            await svc.delete_redis_keys(services.settings.redis_key_prefix)
        await writer.close()
        await svc.drop_mysql_database(replica_addr)
        await svc.drop_postgres_database(pg_addr)


async def queue_of(services, user: int) -> str | None:
    """The queue a user sits in now, or None."""
    async with services.pg.acquire() as conn:
        return await conn.fetchval("SELECT queue_type FROM queue_entries WHERE user_id = $1",
                                   user)


def for_the_shell(monkeypatch, settings: Settings) -> None:
    """The environment a `dialler` command run in this test reads its settings from."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REPLICA_DATABASE_URL", settings.replica_database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("JWT_SECRET", settings.jwt_secret.get_secret_value())
    monkeypatch.setenv("REDIS_KEY_PREFIX", settings.redis_key_prefix)
