"""Agent matching over asyncpg: the entries near the top read, put in the agent's order of
preference (domain.queue.matching), and the first of them nobody holds leased by one
statement that locks it as lease_next would (SKIP LOCKED), on the one connection nextLead
holds."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg

from domain.queue.leads import PERSONAL_GRACE, Lease
from domain.queue.matching import AgentRates, Candidate, Match, preference
from domain.queue.model import QueueType
from infrastructure.postgres.leads import (
    CALLABLE_ENTRY,
    END_CURRENT,
    LEASE_PICKED,
    lease_next,
    order_of,
)
from infrastructure.postgres.learned_scoring import agent_rates

# The first entries in urgency order, read without locks (only the one leased is locked):
# the first is the most urgent, and domain.queue.matching matches among those within the
# window of it. The rest keep urgency order behind the matches, so that when agents asking
# at the same moment (a pool's worth at most) take the first ones first, the lease still
# finds one free in its one statement.
CANDIDATES = 50
_NEAR_TOP = f"""
SELECT user_id, score, basis_lenders, basis_claims_created, passed_over_at,
       coalesce(personal_agent_id = $3, false) AS personal
FROM queue_entries WHERE {CALLABLE_ENTRY} ORDER BY {{order}} LIMIT {CANDIDATES}
"""
# The first of the agent's preferences ($7, best first) still callable and held by nobody,
# leased as lease_next leases, with its reason ($9, by the same position); the current lease
# ends only then, so a fall back to lease_next behaves as ever. The most urgent entry ($8),
# when another is leased, keeps when it was first passed over (unless it is being leased).
_LEASE_PREFERRED = f"""
WITH pick AS (
    SELECT q.user_id, w.n FROM unnest($7::bigint[]) WITH ORDINALITY AS w(user_id, n)
    JOIN queue_entries q ON q.user_id = w.user_id WHERE {CALLABLE_ENTRY}
    ORDER BY w.n LIMIT 1 FOR UPDATE OF q SKIP LOCKED
), {END_CURRENT}, passed AS (
    UPDATE queue_entries SET passed_over_at = $2 WHERE user_id IN (
        SELECT user_id FROM queue_entries WHERE user_id = $8 AND passed_over_at IS NULL
        AND {CALLABLE_ENTRY} AND EXISTS (SELECT 1 FROM pick WHERE user_id <> $8)
        FOR UPDATE SKIP LOCKED)
), {LEASE_PICKED.format(reason="($9::text[])[(SELECT n FROM pick)]")}
""".format(one_at_a_time="EXISTS (SELECT 1 FROM pick) "
                       "AND user_id NOT IN (SELECT user_id FROM pick)")
_ACTIVE = "SELECT max(version) FROM learning_snapshots WHERE status = 'ACTIVE'"


class ActiveAgentRates:
    """Each agent's rates in the active snapshot, the active version re-read at most every
    ``refresh_seconds`` (snapshots come daily): in between, an ask costs no query."""

    def __init__(self, refresh_seconds: float = 30.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self._refresh, self._monotonic = refresh_seconds, monotonic
        self._checked: float | None = None
        self._version: int | None = None
        self._by_agent: dict[uuid.UUID, AgentRates] = {}

    def forget(self) -> None:
        """Read the active snapshot again at the next ask."""
        self._checked = None

    async def of(self, conn: asyncpg.Connection, agent_id: uuid.UUID) -> AgentRates:
        now = self._monotonic()
        if self._checked is None or now - self._checked >= self._refresh:
            version = await conn.fetchval(_ACTIVE)
            if version != self._version:
                self._version, self._by_agent = version, {}
            self._checked = now
        if self._version is None:
            return {}
        if agent_id not in self._by_agent:
            self._by_agent[agent_id] = await agent_rates(conn, self._version, agent_id)
        return self._by_agent[agent_id]


class LeadMatcher:
    """nextLead with matching: ``window`` points from the top, the top held ``max_wait``."""

    def __init__(self, window: float, max_wait: timedelta,
                 rates: ActiveAgentRates | None = None):
        self.window, self.max_wait = window, max_wait
        self.rates = rates or ActiveAgentRates()

    async def rates_for(self, conn: asyncpg.Connection, queue_type: QueueType,
                        agent_id: uuid.UUID) -> AgentRates:
        """The agent's rates in this queue (empty: no evidence, so no matching)."""
        rates = await self.rates.of(conn, agent_id)
        return {key: rate for key, rate in rates.items() if key[0] == queue_type.value}

    async def lease(self, conn: asyncpg.Connection, queue_type: QueueType,
                    agent_id: uuid.UUID, now: datetime, length: timedelta,
                    rates: AgentRates) -> Lease | None:
        rows = await conn.fetch(_NEAR_TOP.format(order=order_of(queue_type)),
                                queue_type.value, now, agent_id, now - PERSONAL_GRACE)
        if rows:
            order = preference([_candidate(r) for r in rows], queue_type.value, rates, now,
                               self.window, self.max_wait)
            lease = await _lease_preferred(conn, queue_type, agent_id, now, length, order,
                                           rows[0]["user_id"])
            if lease is not None:
                return lease
        # Other agents took every one of them meanwhile: as without matching.
        return await lease_next(conn, queue_type, agent_id, now, length)


def _candidate(r: asyncpg.Record) -> Candidate:
    claims = tuple(zip(r["basis_lenders"] or (), r["basis_claims_created"] or (),
                       strict=False))
    return Candidate(r["user_id"], r["score"], claims, r["passed_over_at"], r["personal"])


async def _lease_preferred(conn: asyncpg.Connection, queue_type: QueueType,
                           agent_id: uuid.UUID, now: datetime, length: timedelta,
                           order: list[Match], top: int) -> Lease | None:
    lease_id, expires = uuid.uuid4(), now + length
    row = await conn.fetchrow(_LEASE_PREFERRED, queue_type.value, now, agent_id,
                              now - PERSONAL_GRACE, lease_id, expires,
                              [m.user_id for m in order], top, [m.reason for m in order])
    if row is None:
        return None
    return Lease(lease_id, row["user_id"], agent_id, queue_type, row["score"], expires)
