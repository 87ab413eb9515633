"""Atomic lead assignment: one statement picks and leases, SKIP LOCKED keeps agents apart."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg

from domain.queue.leads import PERSONAL_GRACE, Lease
from domain.queue.model import QueueType
from domain.queue.ports import LeaseStore


def callable_now(now: str) -> str:
    """SQL: not leased, and due (callbacks) or past its cool-down (the others) at ``now``."""
    return (f"(lease_expires_at IS NULL OR lease_expires_at <= {now}) AND "
            f"(CASE WHEN queue_type = 'CALLBACK' THEN due_at <= {now} "
            f"ELSE next_call_after IS NULL OR next_call_after <= {now} END)")


_CALLABLE = (f"queue_type = $1 AND {callable_now('$2')} "
             "AND (personal_agent_id IS NULL OR personal_agent_id = $3 OR due_at <= $4)")
# A personal callback goes to its own agent before anything else in CALLBACK.
_ORDER = {
    QueueType.CALLBACK: "(personal_agent_id IS NOT NULL AND personal_agent_id = $3) DESC, "
                        "score, user_id",
}
# One round trip: end the agent's current lease (an agent holds one lead at a time; the
# last one goes back to the queue for others), pick the most urgent callable entry nobody
# holds (SKIP LOCKED: concurrent callers pass over each other's rows), lease it, record it.
_NEXT_LEAD = """
WITH returned AS (
    UPDATE queue_entries SET lease_id = NULL, leased_to = NULL, lease_expires_at = NULL
    WHERE leased_to = $3 AND {one_at_a_time} RETURNING user_id
), ended AS (
    UPDATE leases SET ended_at = $2, end_reason = 'asked for another lead'
    WHERE agent_id = $3 AND ended_at IS NULL AND expires_at > $2 AND {one_at_a_time}
    RETURNING id
), pick AS (
    SELECT user_id FROM queue_entries WHERE {callable}
    ORDER BY {order} LIMIT 1 FOR UPDATE SKIP LOCKED
), leased AS (
    UPDATE queue_entries q SET lease_id = $5, leased_to = $3, lease_expires_at = $6
    FROM pick WHERE q.user_id = pick.user_id RETURNING q.user_id, q.score
)
INSERT INTO leases (id, user_id, agent_id, queue_type, score, created_at, expires_at)
SELECT $5, user_id, $3, $1, score, $2, $6 FROM leased
RETURNING user_id, score, (SELECT count(*) FROM returned) + (SELECT count(*) FROM ended)
"""


async def lease_next(conn: asyncpg.Connection, queue_type: QueueType, agent_id: uuid.UUID,
                     now: datetime, length: timedelta, among: str = "",
                     *among_args: object, one_at_a_time: bool = True) -> Lease | None:
    """Leases the most urgent callable entry of ``queue_type`` to the agent, or None.

    ``among``: a further condition on the entry (its parameters from $7 on).
    ``one_at_a_time``: a person's earlier lease ends (an automated agent holds several)."""
    lease_id, expires = uuid.uuid4(), now + length
    sql = _NEXT_LEAD.format(callable=f"{_CALLABLE} {among}",
                            order=_ORDER.get(queue_type, "score, user_id"),
                            one_at_a_time=str(one_at_a_time).upper())
    row = await conn.fetchrow(sql, queue_type.value, now, agent_id, now - PERSONAL_GRACE,
                              lease_id, expires, *among_args)
    if row is None:
        return None
    return Lease(lease_id, row["user_id"], agent_id, queue_type, row["score"], expires)


class PgLeaseStore(LeaseStore):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def lease_next(self, queue_type: QueueType, agent_id: uuid.UUID, now: datetime,
                         length: timedelta) -> Lease | None:
        async with self._pool.acquire() as conn:
            return await lease_next(conn, queue_type, agent_id, now, length)
