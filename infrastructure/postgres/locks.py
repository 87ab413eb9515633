"""Named locks across processes: two processes never run the same job at once."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg


@contextlib.asynccontextmanager
async def job_lock(pool: asyncpg.Pool, name: str) -> AsyncIterator[bool]:
    """Yields True when this process holds the lock for the block, False when another does."""
    async with pool.acquire() as conn, conn.transaction():
        held = await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext($1))", name)
        yield bool(held)
