"""Where this process's dependencies are: configured services, or the embedded default."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis

from infrastructure.logging import get_logger
from infrastructure.redis.resilient import connect
from infrastructure.settings import DatabaseAddress, Settings

DIALLER_DATABASE = "dialler"
log = get_logger(__name__)


async def _nothing() -> None:
    return None


@dataclass
class Runtime:
    database: DatabaseAddress
    replica: DatabaseAddress
    redis: aioredis.Redis
    jwt_secret: str
    embedded_postgres: bool
    demo_replica: bool
    close: Callable[[], Awaitable[None]] = _nothing


def demo_replica_name(database: DatabaseAddress) -> str:
    return f"{database.database or DIALLER_DATABASE}_demo_replica"


async def _ensure_postgres_database(address: DatabaseAddress) -> None:
    conn = await asyncpg.connect(address.with_database("postgres").plain_url, timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1",
                                     address.database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{address.database}"')
    finally:
        await conn.close()


async def resolve_runtime(settings: Settings) -> Runtime:
    """Start what is embedded, reach what is configured; nothing is created at import."""
    close = _nothing
    if settings.embedded_postgres or not settings.redis_url:
        # Imported only when used: a deployment on real services never loads it.
        from infrastructure.embedded import EmbeddedPostgres, embedded_jwt_secret, embedded_redis
    if settings.embedded_postgres:
        server = EmbeddedPostgres(settings.dialler_data_dir)
        await server.start()
        database = server.address(DIALLER_DATABASE)
        await _ensure_postgres_database(database)
        close = server.stop
        log.info("embedded postgres", data_dir=str(settings.dialler_data_dir))
    else:
        database = settings.database
    demo = settings.replica is None
    replica = settings.replica or database.with_database(demo_replica_name(database))
    if demo:
        await _ensure_postgres_database(replica)
    redis = connect(settings.redis_url) if settings.redis_url else embedded_redis()
    secret = settings.jwt_secret.get_secret_value()
    if settings.embedded_postgres and settings.jwt_secret_is_placeholder:
        secret = embedded_jwt_secret(settings.dialler_data_dir)
    return Runtime(database, replica, redis, secret, settings.embedded_postgres, demo, close)


def settle_heap() -> None:
    """After start-up: what was built so far lives as long as the process, so the collector
    stops scanning it, and collects young objects less often. A 500-entry queue page
    makes ~5,000 short-lived objects; at the default thresholds a full collection over
    the whole heap ran every second page (150-380 ms each)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
