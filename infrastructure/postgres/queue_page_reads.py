"""QueueReads on the pool: one connection per read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.queue.model import QueueType
from domain.queue.ports import QueuePage, QueueReads, QueueSize
from infrastructure.postgres.views import queue_page, queue_stats


@dataclass(frozen=True, slots=True)
class PgQueueReads(QueueReads):
    pool: asyncpg.Pool

    async def page(self, queue_type: QueueType, first: int,
                   after: tuple[float, int] | None) -> QueuePage:
        async with self.pool.acquire() as conn:
            return await queue_page.page(conn, queue_type, first, after)

    async def sizes(self, now: datetime) -> list[QueueSize]:
        async with self.pool.acquire() as conn:
            return await queue_stats.sizes(conn, now)

    async def heads(self, per_queue: int) -> list[int]:
        rows = await self.pool.fetch(
            "SELECT user_id FROM (SELECT user_id, row_number() OVER (PARTITION BY queue_type "
            "ORDER BY score, user_id) AS position FROM queue_entries) ranked "
            "WHERE position <= $1 ORDER BY position", per_queue)
        return [r["user_id"] for r in rows]

    async def counts(self) -> dict[str, int]:
        return {r["queue_type"]: r["n"] for r in await self.pool.fetch(
            "SELECT queue_type, count(*) AS n FROM queue_entries GROUP BY queue_type")}
