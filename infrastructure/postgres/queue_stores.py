"""The QueueStore port over an asyncpg pool: one transaction holding the queue lock."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg

from domain.queue.facts import DiallerFacts
from domain.queue.model import QueueChanged, QueueEntry
from domain.queue.ports import Keys, QueueStore, QueueStores
from infrastructure.postgres import phones, queue_store

# Serialises whole-queue writers (rebuild, incremental recompute) against each other.
QUEUE_LOCK = 7_301_944_222


class PgQueueStore(QueueStore):
    def __init__(self, conn: asyncpg.Connection):
        self.conn = conn

    async def refresh_phones(self, numbers: dict[int, str | None]) -> dict[int, str | None]:
        return await phones.refresh_phones(self.conn, numbers)

    async def dialler_facts(self, keys: Keys, numbers: dict[int, str | None],
                            now: datetime) -> dict[int, DiallerFacts]:
        return await queue_store.dialler_facts(self.conn, keys, numbers, now)

    async def current_entries(self, keys: Keys) -> dict[int, QueueEntry]:
        return await queue_store.current_entries(self.conn, keys)

    async def write_changes(self, before: dict[int, QueueEntry], after: dict[int, QueueEntry],
                            changes: list[QueueChanged]) -> int:
        return await queue_store.write_changes(self.conn, before, after, changes)


class PgQueueStores(QueueStores):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgQueueStore]:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", QUEUE_LOCK)
            yield PgQueueStore(conn)
