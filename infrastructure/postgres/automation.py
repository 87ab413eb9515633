"""Automated agents' work in PostgreSQL: who they are, what they sent, their leases."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

import asyncpg

from domain.agents.model import Agent
from domain.automation.policy import SHARE_BUCKETS
from domain.automation.ports import AutomatedWork
from domain.queue.leads import Lease
from domain.queue.model import QueueType
from infrastructure.postgres.agent_accounts import AGENT_COLUMNS, agent_from_row
from infrastructure.postgres.dispositions import mark_dirty
from infrastructure.postgres.leads import lease_next

# domain.automation.policy.in_share, as a condition on the entry; ids it must pass over.
_AMONG = f"AND user_id % {SHARE_BUCKETS} < $7 AND user_id <> ALL($8::bigint[])"
_END = """
WITH ended AS (
    UPDATE leases SET ended_at = $3, end_reason = $4
    WHERE id = $1 AND agent_id = $2 AND ended_at IS NULL RETURNING user_id
), freed AS (
    UPDATE queue_entries q SET lease_id = NULL, leased_to = NULL, lease_expires_at = NULL,
        next_call_after = GREATEST(q.next_call_after, $5::timestamptz)
    FROM ended WHERE q.user_id = ended.user_id AND q.lease_id = $1
), forgotten AS (
    DELETE FROM queue_inputs i USING ended WHERE i.user_id = ended.user_id
)
SELECT user_id FROM ended
"""
# The rest outlives every recompute: it is kept where a call's cool-down is.
_REST = """
INSERT INTO call_scores (user_id, current_score, total_attempts, failed_attempts,
                         next_call_after, updated_at)
VALUES ($1, 0, 0, 0, $2, $3) ON CONFLICT (user_id) DO UPDATE SET
    next_call_after = GREATEST(call_scores.next_call_after, EXCLUDED.next_call_after),
    updated_at = EXCLUDED.updated_at
"""
_SENDER = """
SELECT m.agent_id, a.automated FROM sms_messages m JOIN agents a ON a.id = m.agent_id
WHERE m.user_id = $1 AND m.direction = 'OUTBOUND' AND m.agent_id IS NOT NULL
  AND m.created_at >= $2
ORDER BY m.created_at DESC, m.id DESC LIMIT 1
"""


class PgAutomatedWork(AutomatedWork):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def agents(self) -> list[Agent]:
        rows = await self._pool.fetch(f"SELECT {AGENT_COLUMNS} FROM agents "
                                      "WHERE automated AND is_active ORDER BY name, id")
        return [agent_from_row(r) for r in rows]

    async def texts_since(self, agent_id: uuid.UUID, since: datetime) -> int:
        return await self._pool.fetchval(
            "SELECT count(*) FROM sms_messages WHERE agent_id = $1 AND direction = 'OUTBOUND' "
            "AND created_at >= $2", agent_id, since)

    async def lease(self, agent_id: uuid.UUID, now: datetime, length: timedelta,
                    share_percent: int, skip: Collection[int]) -> Lease | None:
        async with self._pool.acquire() as conn:
            # Each of its leases is ended by its own text: a second worker's turn, should
            # one ever run beside this one, takes other users rather than these.
            return await lease_next(conn, QueueType.UNSIGNED, agent_id, now, length, _AMONG,
                                    share_percent, list(skip), one_at_a_time=False)

    async def end_lease(self, lease_id: uuid.UUID, agent_id: uuid.UUID, reason: str,
                        rest_until: datetime | None, now: datetime) -> int | None:
        async with self._pool.acquire() as conn, conn.transaction():
            user_id = await conn.fetchval(_END, lease_id, agent_id, now, reason, rest_until)
            if user_id is None:
                return None
            if rest_until is not None:
                await conn.execute(_REST, user_id, rest_until, now)
            await mark_dirty(conn, [user_id], now)
            return user_id

    async def automated_sender(self, user_id: int, since: datetime) -> uuid.UUID | None:
        row = await self._pool.fetchrow(_SENDER, user_id, since)
        return row["agent_id"] if row is not None and row["automated"] else None
