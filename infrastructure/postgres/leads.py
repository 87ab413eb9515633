"""Atomic lead assignment: one statement picks and leases, SKIP LOCKED keeps agents apart
(with agent matching, one transaction: infrastructure.postgres.matching)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import asyncpg

from domain.queue.leads import PERSONAL_GRACE, Lease
from domain.queue.model import QueueType
from domain.queue.ports import LeaseStore

if TYPE_CHECKING:
    from infrastructure.postgres.matching import LeadMatcher


def callable_now(now: str) -> str:
    """SQL: not leased, and due (callbacks) or past its cool-down (the others) at ``now``."""
    return (f"(lease_expires_at IS NULL OR lease_expires_at <= {now}) AND "
            f"(CASE WHEN queue_type = 'CALLBACK' THEN due_at <= {now} "
            f"ELSE next_call_after IS NULL OR next_call_after <= {now} END)")


CALLABLE_ENTRY = (f"queue_type = $1 AND {callable_now('$2')} "
                  "AND (personal_agent_id IS NULL OR personal_agent_id = $3 OR due_at <= $4)")
# A personal callback goes to its own agent before anything else in CALLBACK.
_ORDER = {
    QueueType.CALLBACK: "(personal_agent_id IS NOT NULL AND personal_agent_id = $3) DESC, "
                        "score, user_id",
}


def order_of(queue_type: QueueType) -> str:
    """SQL: the urgency order of ``queue_type``'s entries for the agent $3."""
    return _ORDER.get(queue_type, "score, user_id")


# End the agent's current lease (an agent holds one lead at a time; the last one goes back
# to the queue for others), in the statement that leases the next.
END_CURRENT = """
returned AS (
    UPDATE queue_entries SET lease_id = NULL, leased_to = NULL, lease_expires_at = NULL
    WHERE leased_to = $3 AND {one_at_a_time} RETURNING user_id
), ended AS (
    UPDATE leases SET ended_at = $2, end_reason = 'asked for another lead'
    WHERE agent_id = $3 AND ended_at IS NULL AND expires_at > $2 AND {one_at_a_time}
    RETURNING id
)"""
# Lease the entry ``pick`` names and record it; a leased entry waits no longer for matching.
LEASE_PICKED = """leased AS (
    UPDATE queue_entries q SET lease_id = $5, leased_to = $3, lease_expires_at = $6,
        passed_over_at = NULL
    FROM pick WHERE q.user_id = pick.user_id RETURNING q.user_id, q.score
)
INSERT INTO leases (id, user_id, agent_id, queue_type, score, created_at, expires_at,
                    match_reason)
SELECT $5, user_id, $3, $1, score, $2, $6, {reason} FROM leased
RETURNING user_id, score, (SELECT count(*) FROM returned) + (SELECT count(*) FROM ended)
"""
# One round trip: end the current lease, pick the most urgent callable entry nobody holds
# (SKIP LOCKED: concurrent callers pass over each other's rows), lease it, record it.
_NEXT_LEAD = f"""
WITH {END_CURRENT}, pick AS (
    SELECT user_id FROM queue_entries WHERE {{callable}}
    ORDER BY {{order}} LIMIT 1 FOR UPDATE SKIP LOCKED
), {LEASE_PICKED.format(reason="NULL")}"""


async def lease_next(conn: asyncpg.Connection, queue_type: QueueType, agent_id: uuid.UUID,
                     now: datetime, length: timedelta, among: str = "",
                     *among_args: object, one_at_a_time: bool = True) -> Lease | None:
    """Leases the most urgent callable entry of ``queue_type`` to the agent, or None.

    ``among``: a further condition on the entry (its parameters from $7 on).
    ``one_at_a_time``: a person's earlier lease ends (an automated agent holds several)."""
    lease_id, expires = uuid.uuid4(), now + length
    sql = _NEXT_LEAD.format(callable=f"{CALLABLE_ENTRY} {among}", order=order_of(queue_type),
                            one_at_a_time=str(one_at_a_time).upper())
    row = await conn.fetchrow(sql, queue_type.value, now, agent_id, now - PERSONAL_GRACE,
                              lease_id, expires, *among_args)
    if row is None:
        return None
    return Lease(lease_id, row["user_id"], agent_id, queue_type, row["score"], expires)


# Why agent matching handed out the user's current lead (NULL: it did not, or no lead).
_MATCH_REASON = """
SELECT l.match_reason FROM queue_entries q JOIN leases l ON l.id = q.lease_id
WHERE q.user_id = $1 AND q.lease_expires_at > $2 AND l.ended_at IS NULL
"""


class PgLeaseStore(LeaseStore):
    """``matcher`` None: agent matching is off (MATCH_WINDOW_POINTS 0)."""

    def __init__(self, pool: asyncpg.Pool, matcher: LeadMatcher | None = None):
        self._pool = pool
        self.matcher = matcher

    async def lease_next(self, queue_type: QueueType, agent_id: uuid.UUID, now: datetime,
                         length: timedelta) -> Lease | None:
        async with self._pool.acquire() as conn:
            rates = await self.matcher.rates_for(conn, queue_type, agent_id) \
                if self.matcher else None
            if not rates:  # no evidence for this agent here: the one statement, as ever
                return await lease_next(conn, queue_type, agent_id, now, length)
            return await self.matcher.lease(conn, queue_type, agent_id, now, length, rates)

    async def match_reason(self, user_id: int, now: datetime) -> str | None:
        return await self._pool.fetchval(_MATCH_REASON, user_id, now)
