"""The CDC worker's bookkeeping in PostgreSQL: seen records, dead letters, stream state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

STREAM = "cdc"


@dataclass(frozen=True)
class SyncStatus:
    lag_seconds: float | None
    last_event_at: datetime | None
    last_processed_at: datetime | None
    dead_letters: int
    last_reconciliation_at: datetime | None
    last_reconciliation_drift: int | None


@dataclass(frozen=True)
class DeadLetter:
    id: int
    message_id: str
    body: str
    reason: str
    received_at: datetime


class PgSyncStore:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def already_seen(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        rows = await self.pool.fetch("SELECT key FROM cdc_seen WHERE key = ANY($1::text[])",
                                     list(keys))
        return {r["key"] for r in rows}

    async def mark_applied(self, keys: Sequence[str], newest_event: datetime | None,
                           lag_seconds: float | None, now: datetime) -> None:
        """Records the batch's keys and the stream's progress in one transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            if keys:
                await conn.execute(
                    "INSERT INTO cdc_seen (key) SELECT unnest($1::text[]) "
                    "ON CONFLICT (key) DO NOTHING", list(keys))
            await conn.execute(
                "INSERT INTO sync_state (name, last_event_at, last_processed_at, lag_seconds, "
                "processed) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET "
                "last_event_at = GREATEST(sync_state.last_event_at, EXCLUDED.last_event_at), "
                "last_processed_at = EXCLUDED.last_processed_at, "
                "lag_seconds = COALESCE(EXCLUDED.lag_seconds, sync_state.lag_seconds), "
                "processed = sync_state.processed + EXCLUDED.processed",
                STREAM, newest_event, now, lag_seconds, len(keys))

    async def record_dead_letter(self, message_id: str, body: str, reason: str) -> None:
        await self.pool.execute(
            "INSERT INTO dead_letters (message_id, body, reason) VALUES ($1, $2, $3)",
            message_id, body, reason)

    async def open_dead_letters(self, limit: int = 1000) -> list[DeadLetter]:
        rows = await self.pool.fetch(
            "SELECT id, message_id, body, reason, received_at FROM dead_letters "
            "WHERE replayed_at IS NULL ORDER BY id LIMIT $1", limit)
        return [DeadLetter(**dict(r)) for r in rows]

    async def mark_replayed(self, ids: Sequence[int], now: datetime) -> None:
        await self.pool.execute("UPDATE dead_letters SET replayed_at = $2 WHERE id = ANY($1)",
                                list(ids), now)

    async def record_dead_letter_depth(self, depth: int) -> None:
        await self.pool.execute(
            "INSERT INTO sync_state (name, dead_letter_depth) VALUES ($1, $2) "
            "ON CONFLICT (name) DO UPDATE SET dead_letter_depth = EXCLUDED.dead_letter_depth",
            STREAM, depth)

    async def status(self) -> SyncStatus:
        row = await self.pool.fetchrow(
            "SELECT s.lag_seconds, s.last_event_at, s.last_processed_at, "
            "GREATEST(s.dead_letter_depth, (SELECT count(*) FROM dead_letters "
            "WHERE replayed_at IS NULL)) AS dead, "
            "r.finished_at AS reconciled_at, r.drift "
            "FROM (SELECT 1) one "
            "LEFT JOIN sync_state s ON s.name = $1 "
            "LEFT JOIN LATERAL (SELECT finished_at, drift FROM job_runs WHERE job = 'reconcile' "
            "AND status = 'DONE' ORDER BY finished_at DESC, id DESC LIMIT 1) r ON true", STREAM)
        return SyncStatus(row["lag_seconds"], row["last_event_at"], row["last_processed_at"],
                          row["dead"], row["reconciled_at"], row["drift"])
