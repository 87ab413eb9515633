"""Calls in PostgreSQL (asyncpg): the webhook repository, retention, and the calls list."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.calls.ports import CallPage, CallRepository, ExpiredRecording, RecordingStore
from domain.calls.recordings import RecordedCall
from domain.calls.status import CallProgress, CallStatus
from domain.calls.voice import CallDirection, CallRecord, DialFacts
from infrastructure.postgres.dispositions import mark_dirty, schedule
from infrastructure.postgres.webhook_receipts import first_receipt

_DIAL_FACTS = """
SELECT (SELECT is_active FROM agents WHERE id = $2) AS agent_active,
       p.user_id IS NOT NULL AS user_known, p.e164,
       EXISTS (SELECT 1 FROM do_not_call WHERE user_id = $1) AS do_not_call,
       q.lease_id, q.queue_type
FROM (SELECT 1) one
LEFT JOIN user_phones p ON p.user_id = $1
LEFT JOIN queue_entries q ON q.user_id = $1 AND q.leased_to = $2 AND q.lease_expires_at > $3
"""
_COLUMNS = ("id, twilio_sid, direction, status, user_id, agent_id, lease_id, queue_type, "
            "from_number, to_number, outcome, started_at, answered_at, ended_at, talk_seconds, "
            "recording_sid, recording_url, recording_deleted_at")


def to_record(row: asyncpg.Record) -> CallRecord:
    return CallRecord(
        id=row["id"], twilio_sid=row["twilio_sid"], direction=CallDirection(row["direction"]),
        progress=CallProgress(CallStatus(row["status"]), row["answered_at"], row["ended_at"],
                              row["talk_seconds"]),
        started_at=row["started_at"], user_id=row["user_id"], agent_id=row["agent_id"],
        lease_id=row["lease_id"], queue_type=row["queue_type"],
        from_number=row["from_number"], to_number=row["to_number"],
        recording_sid=row["recording_sid"], recording_url=row["recording_url"],
        recording_deleted_at=row["recording_deleted_at"])


class PgCalls(CallRepository):
    """Calls on one connection inside the caller's transaction."""

    def __init__(self, conn: asyncpg.Connection):
        self.conn = conn

    async def dial_facts(self, user_id: int, agent_id: uuid.UUID, now: datetime) -> DialFacts:
        row = await self.conn.fetchrow(_DIAL_FACTS, user_id, agent_id, now)
        return DialFacts(agent_active=bool(row["agent_active"]), user_known=row["user_known"],
                         e164=row["e164"], do_not_call=row["do_not_call"],
                         lease_id=row["lease_id"], queue_type=row["queue_type"])

    async def add(self, call: CallRecord) -> CallRecord:
        p = call.progress
        row = await self.conn.fetchrow(
            "INSERT INTO calls (id, twilio_sid, direction, status, user_id, agent_id, lease_id, "
            "queue_type, from_number, to_number, started_at, answered_at, ended_at, "
            "talk_seconds, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,"
            f"$11) ON CONFLICT (twilio_sid) DO NOTHING RETURNING {_COLUMNS}",
            call.id, call.twilio_sid, call.direction.value, p.status.value, call.user_id,
            call.agent_id, call.lease_id, call.queue_type, call.from_number, call.to_number,
            call.started_at, p.answered_at, p.ended_at, p.talk_seconds)
        if row is None:  # Twilio retried the webhook: the call is already there
            row = await self.conn.fetchrow(
                f"SELECT {_COLUMNS} FROM calls WHERE twilio_sid = $1 FOR UPDATE", call.twilio_sid)
        return to_record(row)

    async def for_update(self, sids: list[str]) -> CallRecord | None:
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS} FROM calls WHERE twilio_sid = ANY($1::text[]) "
            "ORDER BY started_at LIMIT 1 FOR UPDATE", sids)
        return to_record(row) if row else None

    async def save(self, call: CallRecord) -> None:
        p = call.progress
        await self.conn.execute(
            "UPDATE calls SET status = $2, answered_at = $3, ended_at = $4, talk_seconds = $5, "
            "agent_id = $6, recording_sid = $7, recording_url = $8, updated_at = now() "
            "WHERE id = $1", call.id, p.status.value, p.answered_at, p.ended_at,
            p.talk_seconds, call.agent_id, call.recording_sid, call.recording_url)

    async def user_for_number(self, e164: str) -> int | None:
        # Several users may share a number (a household): the lowest id, deterministically.
        return await self.conn.fetchval(
            "SELECT min(user_id) FROM user_phones WHERE e164 = $1", e164)

    async def available_agents(self, limit: int) -> list[uuid.UUID]:
        rows = await self.conn.fetch(
            "SELECT id FROM agents WHERE status = 'AVAILABLE' AND is_active "
            "AND role IN ('AGENT', 'SUPERVISOR', 'ADMIN') "
            "ORDER BY status_since NULLS FIRST, id LIMIT $1", limit)
        return [r["id"] for r in rows]

    async def rang(self, call_id: uuid.UUID, agent_ids: list[uuid.UUID], at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO call_rings (call_id, agent_id, rang_at) "
            "SELECT $1, unnest($2::uuid[]), $3 ON CONFLICT DO NOTHING", call_id, agent_ids, at)

    async def schedule_callback_now(self, user_id: int, now: datetime, note: str) -> None:
        await schedule(self.conn, user_id, now, None, False, note, now)
        await mark_dirty(self.conn, [user_id], now)

    async def first_receipt(self, key: str) -> bool:
        return await first_receipt(self.conn, key)


@dataclass
class PgCallUnits:
    """``async with units() as calls:`` a PgCalls in a transaction, committed on success."""

    pool: asyncpg.Pool

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[PgCalls]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgCalls(conn)


class PgRecordingStore(RecordingStore):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def expired(self, before: datetime, limit: int) -> list[ExpiredRecording]:
        rows = await self._pool.fetch(
            "SELECT id, recording_sid FROM calls WHERE recording_sid IS NOT NULL "
            "AND recording_deleted_at IS NULL AND started_at < $1 ORDER BY started_at LIMIT $2",
            before, limit)
        return [ExpiredRecording(r["id"], r["recording_sid"]) for r in rows]

    async def mark_deleted(self, call_id: uuid.UUID, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE calls SET recording_deleted_at = $2, recording_url = NULL, updated_at = $2 "
            "WHERE id = $1", call_id, at)

    async def recorded_call(self, call_id: uuid.UUID) -> RecordedCall | None:
        row = await self._pool.fetchrow(
            "SELECT id, user_id, agent_id, started_at, recording_sid, recording_deleted_at "
            "FROM calls WHERE id = $1", call_id)
        return RecordedCall(row["id"], row["user_id"], row["agent_id"], row["started_at"],
                            row["recording_sid"], row["recording_deleted_at"]) if row else None


async def user_calls(conn: asyncpg.Connection, user_id: int, first: int,
                     after: tuple[datetime, uuid.UUID] | None) -> CallPage:
    """One user's calls, newest first (ties by id), after a (started_at, id) position."""
    total = await conn.fetchval("SELECT count(*) FROM calls WHERE user_id = $1", user_id)
    position = "AND (started_at, id) < ($3, $4)" if after else ""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM calls WHERE user_id = $1 {position} "
        "ORDER BY started_at DESC, id DESC LIMIT $2", user_id, first + 1, *(after or ()))
    return CallPage(list(rows[:first]), total, len(rows) > first)


async def call_agent(conn: asyncpg.Connection, call_id: uuid.UUID
                     ) -> tuple[bool, uuid.UUID | None]:
    """(the call exists, its agent)."""
    row = await conn.fetchrow("SELECT agent_id FROM calls WHERE id = $1", call_id)
    return (row is not None, row["agent_id"] if row else None)
