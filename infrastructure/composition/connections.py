"""The process's connections: PostgreSQL (ORM and asyncpg), the replica, Redis."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from infrastructure.postgres.engine import make_engine, make_session_factory
from infrastructure.postgres.pool import StatementCounter, create_pool
from infrastructure.redis.event_bus import RedisEventBus
from infrastructure.redis.resilient import ResilientRedis
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.runtime import Runtime
from infrastructure.settings import Settings


@dataclass(frozen=True)
class Connections:
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    replica_db: ReplicaDatabase
    redis: ResilientRedis
    pg: asyncpg.Pool
    pg_statements: StatementCounter
    events: RedisEventBus

    def closers(self) -> list[Callable[[], Awaitable[None]]]:
        """In the order they are registered (closing runs them last first)."""
        return [self.redis.close, self.replica_db.close, self.engine.dispose, self.pg.close,
                self.events.close]


async def open_connections(settings: Settings, runtime: Runtime, *,
                           serving: bool) -> Connections:
    """``serving``: an API process, which opens PG_POOL_MIN_SIZE connections at once and
    keeps them; a command or a test opens one and grows as it needs."""
    engine = make_engine(runtime.database, max(2, settings.pg_pool_size // 4),
                         acquire_timeout=settings.pg_acquire_timeout_seconds,
                         command_timeout=settings.pg_command_timeout_seconds)
    replica_db = await ReplicaDatabase.open(runtime.replica, read_only=True)
    redis = ResilientRedis(runtime.redis)
    # asyncpg directly for the hot and bulk paths (leases, queue pages, rebuilds).
    pg_statements = StatementCounter()
    pg = await create_pool(runtime.database, pg_statements, settings.pg_pool_size,
                           min_size=min(settings.pg_pool_min_size, settings.pg_pool_size)
                           if serving else 1,
                           acquire_timeout=settings.pg_acquire_timeout_seconds,
                           command_timeout=settings.pg_command_timeout_seconds)
    return Connections(engine, make_session_factory(engine), replica_db, redis, pg,
                       pg_statements, RedisEventBus(redis, settings.redis_key_prefix))
