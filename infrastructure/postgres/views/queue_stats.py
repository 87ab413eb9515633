"""How big each queue is, and how much of it could be called now."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from domain.queue.model import QueueType
from domain.queue.ports import QueueSize
from infrastructure.postgres.leads import callable_now


async def sizes(conn: asyncpg.Connection, now: datetime) -> list[QueueSize]:
    rows = await conn.fetch(
        "SELECT queue_type, count(*) AS size, "
        f"count(*) FILTER (WHERE {callable_now('$1')}) AS callable "
        "FROM queue_entries GROUP BY queue_type", now)
    found = {r["queue_type"]: r for r in rows}
    return [QueueSize(t, found[t.value]["size"] if t.value in found else 0,
                      found[t.value]["callable"] if t.value in found else 0) for t in QueueType]
