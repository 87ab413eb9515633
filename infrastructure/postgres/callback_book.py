"""Booked callbacks in PostgreSQL: a page of them by time due, and handing an agent's
pending ones to another agent."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.calls.callbacks import (
    PENDING,
    Callback,
    CallbackPage,
    CallbackPosition,
    InvalidReassignment,
)
from domain.calls.ports import CallbackBook
from infrastructure.postgres.dispositions import mark_dirty

_FIELDS = "id, user_id, scheduled_for, status, personal, note, agent_id"
# Each callback a reassignment names, locked in id order (two at once cannot deadlock).
_LOCK = (f"SELECT {_FIELDS} FROM callbacks WHERE agent_id = $1 AND status = 'pending' "
         "AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) ORDER BY id FOR UPDATE")
_HAND_OVER = (f"UPDATE callbacks SET agent_id = $2, updated_at = $3 "
              f"WHERE id = ANY($1::bigint[]) RETURNING {_FIELDS}")


def _callback(row: asyncpg.Record) -> Callback:
    return Callback(row["id"], row["user_id"], row["scheduled_for"], row["status"],
                    row["personal"], row["note"], row["agent_id"])


def _filters(agent_id: uuid.UUID | None, status: str | None, start: datetime | None,
             end: datetime | None) -> tuple[list[str], list[object]]:
    """Only the filters given, so each query's plan can use the index that fits it."""
    given = [("agent_id = ${}", agent_id), ("status = ${}", status),
             ("scheduled_for >= ${}", start), ("scheduled_for < ${}", end)]
    where, values = [], []
    for condition, value in given:
        if value is not None:
            values.append(value)
            where.append(condition.format(len(values)))
    return where, values


class PgCallbackBook(CallbackBook):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def page(self, *, agent_id: uuid.UUID | None, status: str | None,
                   start: datetime | None, end: datetime | None, first: int,
                   after: CallbackPosition | None) -> CallbackPage:
        where, values = _filters(agent_id, status, start, end)
        counted, count_values = " AND ".join(where) or "true", list(values)
        if after is not None:
            values += [after.scheduled_for, after.id]
            where.append(f"(scheduled_for, id) > (${len(values) - 1}, ${len(values)})")
        values.append(first + 1)
        paged = " AND ".join(where) or "true"
        async with self._pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM callbacks WHERE {counted}",
                                        *count_values)
            rows = await conn.fetch(f"SELECT {_FIELDS} FROM callbacks WHERE {paged} "
                                    f"ORDER BY scheduled_for, id LIMIT ${len(values)}", *values)
        return CallbackPage([_callback(r) for r in rows[:first]], total, len(rows) > first)

    async def reassign(self, from_agent_id: uuid.UUID, to_agent_id: uuid.UUID,
                       ids: list[int] | None, now: datetime) -> list[Callback]:
        async with self._pool.acquire() as conn, conn.transaction():
            held = await conn.fetch(_LOCK, from_agent_id, sorted(set(ids)) if ids else None)
            missing = sorted(set(ids or []) - {r["id"] for r in held})
            if missing:
                raise InvalidReassignment(
                    f"callback {missing[0]} is not a {PENDING} callback of that agent; "
                    "nothing was reassigned")
            moved = await conn.fetch(_HAND_OVER, [r["id"] for r in held], to_agent_id, now)
            await mark_dirty(conn, sorted({r["user_id"] for r in moved}), now)
        return [_callback(r) for r in moved]
