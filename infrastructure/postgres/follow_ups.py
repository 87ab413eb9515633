"""Due follow-up SMS in PostgreSQL: scheduled once (dedupe_key), claimed before sending."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from domain.messaging.follow_ups import PlannedFollowUp
from domain.messaging.ports import FollowUpStore

# A claim whose message was never queued (the process died between the two): safe to
# release, because queuing the message and marking the follow-up SENT are one transaction.
STALE_CLAIM = timedelta(minutes=10)


class PgFollowUps(FollowUpStore):
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def schedule(self, plans: Sequence[PlannedFollowUp], now: datetime) -> int:
        """Inserts the plans not scheduled before; returns how many were new."""
        if not plans:
            return 0
        rows = await self.pool.fetch(
            "INSERT INTO sms_follow_ups (dedupe_key, user_id, kind, status, due_at, "
            "expires_at, params, created_at, updated_at) SELECT k, u, kind, 'PENDING', d, e, "
            "p::jsonb, $7, $7 FROM unnest($1::text[], $2::bigint[], $3::text[], "
            "$4::timestamptz[], $5::timestamptz[], $6::text[]) AS t(k, u, kind, d, e, p) "
            "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            [p.dedupe_key for p in plans], [p.user_id for p in plans],
            [p.kind.value for p in plans], [p.due_at for p in plans],
            [p.expires_at for p in plans], [json.dumps(p.params) for p in plans], now)
        return len(rows)

    async def cancel_for_user(self, user_id: int, reason: str, now: datetime) -> int:
        result = await self.pool.execute(
            "UPDATE sms_follow_ups SET status = 'CANCELLED', skip_reason = $2, updated_at = $3 "
            "WHERE user_id = $1 AND status = 'PENDING'", user_id, reason, now)
        return int(result.split()[-1])

    async def claim_due(self, now: datetime, limit: int = 100) -> list[asyncpg.Record]:
        """Due follow-ups, now SENDING: committed before anything is sent, so one sender."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE sms_follow_ups SET status = 'PENDING', updated_at = $1 WHERE "
                "status = 'SENDING' AND message_id IS NULL AND updated_at < $2",
                now, now - STALE_CLAIM)
            return await conn.fetch(
                "UPDATE sms_follow_ups SET status = 'SENDING', updated_at = $1 WHERE id IN "
                "(SELECT id FROM sms_follow_ups WHERE status = 'PENDING' AND due_at <= $1 "
                "ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING *", now, limit)

    async def skip(self, follow_up_id: int, reason: str, now: datetime) -> None:
        await self.pool.execute(
            "UPDATE sms_follow_ups SET status = 'SKIPPED', skip_reason = $2, updated_at = $3 "
            "WHERE id = $1 AND status = 'SENDING'", follow_up_id, reason, now)

    async def defer(self, follow_up_id: int, until: datetime, now: datetime) -> None:
        await self.pool.execute(
            "UPDATE sms_follow_ups SET status = 'PENDING', due_at = $2, updated_at = $3 "
            "WHERE id = $1 AND status = 'SENDING'", follow_up_id, until, now)

    async def defer_pending(self, user_id: int, by: timedelta, now: datetime) -> int:
        moved = await self.pool.fetch(
            "UPDATE sms_follow_ups SET due_at = due_at + $2, updated_at = $3 "
            "WHERE user_id = $1 AND status = 'PENDING' RETURNING id", user_id, by, now)
        return len(moved)

    async def pending_callbacks(self, user_ids: Sequence[int]) -> set[tuple[int, datetime]]:
        rows = await self.pool.fetch(
            "SELECT user_id, scheduled_for FROM callbacks WHERE status = 'pending' AND "
            "user_id = ANY($1::bigint[])", list(user_ids))
        return {(r["user_id"], r["scheduled_for"]) for r in rows}
