"""QueueReads on the pool: one connection per read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.queue.model import QueueType
from domain.queue.ports import QueueReads
from infrastructure.postgres import queue_reads


@dataclass(frozen=True, slots=True)
class PgQueueReads(QueueReads):
    pool: asyncpg.Pool

    async def page(self, queue_type: QueueType, first: int,
                   after: tuple[float, int] | None) -> queue_reads.QueuePage:
        async with self.pool.acquire() as conn:
            return await queue_reads.page(conn, queue_type, first, after)

    async def sizes(self, now: datetime) -> list[queue_reads.QueueSize]:
        async with self.pool.acquire() as conn:
            return await queue_reads.sizes(conn, now)

    async def heads(self, per_queue: int) -> list[int]:
        rows = await self.pool.fetch(
            "SELECT user_id FROM (SELECT user_id, row_number() OVER (PARTITION BY queue_type "
            "ORDER BY score, user_id) AS position FROM queue_entries) ranked "
            "WHERE position <= $1 ORDER BY position", per_queue)
        return [r["user_id"] for r in rows]

    async def counts(self) -> dict[str, int]:
        return {r["queue_type"]: r["n"] for r in await self.pool.fetch(
            "SELECT queue_type, count(*) AS n FROM queue_entries GROUP BY queue_type")}
