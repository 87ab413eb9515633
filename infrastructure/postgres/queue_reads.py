"""Reading the queues in calling order: keyset pages, sizes, what is callable now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.queue.model import QueueEntry, QueueType


def callable_now(now: str) -> str:
    """SQL: not leased, and due (callbacks) or past its cool-down (the others) at ``now``."""
    return (f"(lease_expires_at IS NULL OR lease_expires_at <= {now}) AND "
            f"(CASE WHEN queue_type = 'CALLBACK' THEN due_at <= {now} "
            f"ELSE next_call_after IS NULL OR next_call_after <= {now} END)")


@dataclass(frozen=True, slots=True)
class QueuePage:
    entries: list[tuple[int, QueueEntry]]  # (position from 1, entry)
    total: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class QueueSize:
    queue_type: QueueType
    size: int
    callable_now: int


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


async def sizes(conn: asyncpg.Connection, now: datetime) -> list[QueueSize]:
    rows = await conn.fetch(
        "SELECT queue_type, count(*) AS size, "
        f"count(*) FILTER (WHERE {callable_now('$1')}) AS callable "
        "FROM queue_entries GROUP BY queue_type", now)
    found = {r["queue_type"]: r for r in rows}
    return [QueueSize(t, found[t.value]["size"] if t.value in found else 0,
                      found[t.value]["callable"] if t.value in found else 0) for t in QueueType]
