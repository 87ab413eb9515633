"""Named locks across processes, as leases in PostgreSQL, and the marks timers share.

A lease is a row (name, holder, expires_at) taken, renewed and given back by single
statements, each on a pool connection borrowed and returned at once: the work under the
lock holds nothing, so it may use the pool freely (holding a connection while asking the
pool for another deadlocks once the pool runs dry). A holder that crashes stops renewing
and its lease runs out, so another process takes over within ``lease_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg

from infrastructure.logging import get_logger

LEASE_SECONDS = 60.0
log = get_logger(__name__)

_TAKE = (
    "INSERT INTO job_leases AS l (name, holder, taken_at, expires_at) "
    "VALUES ($1, $2, now(), now() + make_interval(secs => $3)) "
    "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, taken_at = EXCLUDED.taken_at, "
    "expires_at = EXCLUDED.expires_at WHERE l.expires_at <= now() RETURNING true")
_RENEW = ("UPDATE job_leases SET expires_at = now() + make_interval(secs => $3) "
          "WHERE name = $1 AND holder = $2 RETURNING true")
_GIVE_BACK = "DELETE FROM job_leases WHERE name = $1 AND holder = $2"


@contextlib.asynccontextmanager
async def job_lock(pool: asyncpg.Pool, name: str, *,
                   lease_seconds: float = LEASE_SECONDS) -> AsyncIterator[bool]:
    """Yields True when this caller holds ``name`` for the block, False when another does."""
    holder = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:12]}"
    if not await pool.fetchval(_TAKE, name, holder, lease_seconds):
        yield False
        return
    renewing = asyncio.create_task(_renew(pool, name, holder, lease_seconds))
    try:
        yield True
    finally:
        renewing.cancel()
        await asyncio.gather(renewing, return_exceptions=True)
        try:
            await pool.execute(_GIVE_BACK, name, holder)
        except Exception as exc:  # noqa: BLE001 - the lease runs out by itself
            log.warning("lease not given back", lock=name, error=f"{type(exc).__name__}: {exc}")


async def _renew(pool: asyncpg.Pool, name: str, holder: str, lease_seconds: float) -> None:
    """Keeps the lease while the work runs; three tries before it could run out."""
    while True:
        await asyncio.sleep(lease_seconds / 3)
        try:
            kept = await pool.fetchval(_RENEW, name, holder, lease_seconds)
        except Exception as exc:  # noqa: BLE001 - tried again next time
            log.warning("lease not renewed", lock=name, error=f"{type(exc).__name__}: {exc}")
            continue
        if not kept:
            log.error("lease lost: it ran out and another process took it", lock=name)
            return


class PgSchedule:
    """Locks and marks in PostgreSQL: what the timers of every process share."""

    def __init__(self, pool: asyncpg.Pool, lease_seconds: float = LEASE_SECONDS):
        self._pool, self._lease_seconds = pool, lease_seconds

    def lock(self, name: str) -> contextlib.AbstractAsyncContextManager[bool]:
        return job_lock(self._pool, name, lease_seconds=self._lease_seconds)

    async def last(self, name: str) -> datetime | None:
        return await self._pool.fetchval("SELECT at FROM timer_marks WHERE name = $1", name)

    async def mark(self, name: str, at: datetime) -> None:
        await self._pool.execute(
            "INSERT INTO timer_marks (name, at) VALUES ($1, $2) "
            "ON CONFLICT (name) DO UPDATE SET at = EXCLUDED.at", name, at)
