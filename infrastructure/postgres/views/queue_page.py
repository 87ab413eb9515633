"""A queue in calling order, one keyset page at a time."""

from __future__ import annotations

import asyncpg

from domain.queue.model import QueueEntry, QueueType
from domain.queue.ports import QueuePage


def _entry(row) -> QueueEntry:
    return QueueEntry(row["user_id"], QueueType(row["queue_type"]), row["score"],
                      row["next_call_after"], row["callback_id"], row["personal_agent_id"],
                      row["due_at"])


async def page(conn: asyncpg.Connection, queue_type: QueueType, first: int,
               after: tuple[float, int] | None) -> QueuePage:
    """Two statements whatever ``first`` is: the counts, then the page."""
    score, user_id = after if after else (float("-inf"), -1)
    counts = await conn.fetchrow(
        "SELECT count(*) AS total, count(*) FILTER (WHERE (score, user_id) <= ($2, $3)) "
        "AS before FROM queue_entries WHERE queue_type = $1", queue_type.value, score, user_id)
    rows = await conn.fetch(
        "SELECT user_id, queue_type, score, next_call_after, callback_id, personal_agent_id, "
        "due_at FROM queue_entries WHERE queue_type = $1 AND (score, user_id) > ($2, $3) "
        "ORDER BY score, user_id LIMIT $4", queue_type.value, score, user_id, first + 1)
    start = counts["before"] + 1
    entries = [(start + i, _entry(r)) for i, r in enumerate(rows[:first])]
    return QueuePage(entries, counts["total"], len(rows) > first)
