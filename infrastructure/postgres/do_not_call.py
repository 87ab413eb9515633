"""The do-not-call list as supervisors keep it (the SQL it shares with every writer of the
list is in do_not_call_sql)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.users.do_not_call import DoNotCallEntry, DoNotCallPage, DoNotCallReason, NewEntry
from domain.users.ports import DoNotCallList
from infrastructure.postgres.dispositions import mark_dirty
from infrastructure.postgres.do_not_call_sql import (
    ENTRY_FIELDS,
    add_entry,
    entry_from,
    remove_entries,
)


class PgDoNotCallList(DoNotCallList):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def page(self, *, first: int, after: int | None,
                   reason: DoNotCallReason | None) -> DoNotCallPage:
        kept = "removed_at IS NULL AND ($1::text IS NULL OR reason = $1)"
        async with self._pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM do_not_call_entries WHERE {kept}",
                                        reason.value if reason else None)
            rows = await conn.fetch(
                f"SELECT {ENTRY_FIELDS} FROM do_not_call_entries WHERE {kept} "
                "AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
                reason.value if reason else None, after, first + 1)
        return DoNotCallPage([entry_from(r) for r in rows[:first]], total, len(rows) > first)

    async def get(self, entry_id: int) -> DoNotCallEntry | None:
        row = await self._pool.fetchrow(f"SELECT {ENTRY_FIELDS} FROM do_not_call_entries "
                                        "WHERE id = $1 AND removed_at IS NULL", entry_id)
        return entry_from(row) if row else None

    async def add(self, entry: NewEntry, by: uuid.UUID | None,
                  now: datetime) -> tuple[DoNotCallEntry, list[int]]:
        async with self._pool.acquire() as conn, conn.transaction():
            added, users = await add_entry(conn, user_id=entry.user_id, e164=entry.e164,
                                           reason=entry.reason, note=entry.note, by=by,
                                           now=now)
            await mark_dirty(conn, users, now)
        return added, users

    async def remove(self, entry_id: int, note: str, by: uuid.UUID | None,
                     now: datetime) -> list[int] | None:
        async with self._pool.acquire() as conn, conn.transaction():
            # An SMS opt-out never goes here (the use case refuses it; this holds too).
            removed, users = await remove_entries(
                conn, "id = $1 AND reason <> 'SMS_STOP'", [entry_id], note=note, by=by,
                now=now)
            await mark_dirty(conn, users, now)
        return users if removed else None
