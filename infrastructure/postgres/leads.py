"""Atomic lead assignment: one statement picks and leases, SKIP LOCKED keeps agents apart."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg

from domain.queue.leads import PERSONAL_GRACE, Lease
from domain.queue.model import QueueType
from domain.queue.ports import LeaseStore

_CALLABLE = """
    queue_type = $1
    AND (lease_expires_at IS NULL OR lease_expires_at <= $2)
    AND (CASE WHEN queue_type = 'CALLBACK' THEN due_at <= $2
              ELSE next_call_after IS NULL OR next_call_after <= $2 END)
    AND (personal_agent_id IS NULL OR personal_agent_id = $3 OR due_at <= $4)
"""
# A personal callback goes to its own agent before anything else in CALLBACK.
_ORDER = {
    QueueType.CALLBACK: "(personal_agent_id IS NOT NULL AND personal_agent_id = $3) DESC, "
                        "score, user_id",
}
_PICK = """
WITH pick AS (
    SELECT user_id FROM queue_entries WHERE {callable}
    ORDER BY {order} LIMIT 1 FOR UPDATE SKIP LOCKED
)
UPDATE queue_entries q SET lease_id = $5, leased_to = $3, lease_expires_at = $6
FROM pick WHERE q.user_id = pick.user_id
RETURNING q.user_id, q.score
"""


async def release_agent_leases(conn: asyncpg.Connection, agent_id: uuid.UUID, now: datetime,
                               reason: str) -> None:
    """An agent holds one lead at a time: asking for another returns the last one."""
    await conn.execute(
        "UPDATE queue_entries SET lease_id = NULL, leased_to = NULL, lease_expires_at = NULL "
        "WHERE leased_to = $1", agent_id)
    await conn.execute(
        "UPDATE leases SET ended_at = $2, end_reason = $3 WHERE agent_id = $1 "
        "AND ended_at IS NULL AND expires_at > $2", agent_id, now, reason)


async def lease_next(conn: asyncpg.Connection, queue_type: QueueType, agent_id: uuid.UUID,
                     now: datetime, length: timedelta) -> Lease | None:
    """Leases the most urgent callable entry of ``queue_type`` to the agent, or None."""
    lease_id, expires = uuid.uuid4(), now + length
    sql = _PICK.format(callable=_CALLABLE, order=_ORDER.get(queue_type, "score, user_id"))
    row = await conn.fetchrow(sql, queue_type.value, now, agent_id, now - PERSONAL_GRACE,
                              lease_id, expires)
    if row is None:
        return None
    await conn.execute(
        "INSERT INTO leases (id, user_id, agent_id, queue_type, score, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        lease_id, row["user_id"], agent_id, queue_type.value, row["score"], now, expires)
    return Lease(lease_id, row["user_id"], agent_id, queue_type, row["score"], expires)


class PgLeaseStore(LeaseStore):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def lease_next(self, queue_type: QueueType, agent_id: uuid.UUID, now: datetime,
                         length: timedelta) -> Lease | None:
        async with self._pool.acquire() as conn, conn.transaction():
            await release_agent_leases(conn, agent_id, now, "asked for another lead")
            return await lease_next(conn, queue_type, agent_id, now, length)
