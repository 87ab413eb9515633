"""Agent sessions and presence in PostgreSQL: heartbeats, logouts, idle sweeps, wrap-up."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.agents.model import AgentStatus, AgentStatusChanged
from domain.agents.ports import PresenceStore, ReleasedLead, SessionsEnded
from domain.agents.presence import LEASE_RELEASED, OFFLINE_BECAUSE
from domain.agents.sessions import AgentSession

_SESSION_FIELDS = ", ".join(AgentSession.__dataclass_fields__)

# Ends the chosen live sessions; returns the agents left with no live session at all.
# (One statement: the NOT EXISTS sees the rows as they were, so sessions ended here are
# excluded by the same condition that chose them.)
_END = """
WITH ended AS (
    UPDATE agent_sessions SET ended_at = $1, end_reason = $2
    WHERE ended_at IS NULL AND {which} RETURNING id, agent_id
)
SELECT (SELECT count(*) FROM ended) AS sessions,
       array(SELECT DISTINCT e.agent_id FROM ended e WHERE NOT EXISTS (
           SELECT 1 FROM agent_sessions s WHERE s.agent_id = e.agent_id
           AND s.ended_at IS NULL AND s.expires_at > $1
           AND s.id <> ALL(array(SELECT id FROM ended)) AND {still_live})) AS gone
"""
# Locks the agents whose sessions are about to end, before ending them: two sessions of
# one agent ending at once (two logouts, a logout and the sweep) then see each other's
# outcome, and the last one to end sends the agent OFFLINE.
_LOCK_AGENTS = ("SELECT id FROM agents WHERE id IN (SELECT agent_id FROM agent_sessions "
                "WHERE ended_at IS NULL AND {which}) ORDER BY id FOR UPDATE")
# An agent's leads go back to the queue: the entries become callable, the leases end.
_RELEASE = """
WITH ended AS (
    UPDATE leases SET ended_at = $2, end_reason = $3
    WHERE agent_id = ANY($1::uuid[]) AND ended_at IS NULL AND expires_at > $2 RETURNING id
)
UPDATE queue_entries SET lease_id = NULL, leased_to = NULL, lease_expires_at = NULL
WHERE leased_to = ANY($1::uuid[]) RETURNING user_id, queue_type, score
"""
# Moves agents to a status and records the change in their history, in one statement;
# FOR UPDATE serialises it with SetAgentStatus (which locks the row the same way).
_MOVE = """
WITH old AS (
    SELECT id, status FROM agents WHERE status = ANY($1::text[]) AND {which} FOR UPDATE
), changed AS (
    UPDATE agents a SET status = $2, status_reason = $4, status_since = $3
    FROM old WHERE a.id = old.id RETURNING a.id, old.status AS previous
), history AS (
    INSERT INTO agent_status_history (agent_id, previous_status, status, reason, occurred_at)
    SELECT id, previous, $2, $4, $3 FROM changed
)
SELECT id, previous FROM changed ORDER BY id
"""


class PgPresenceStore(PresenceStore):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def is_live(self, session_id: uuid.UUID) -> bool:
        # One primary-key lookup: PostgreSQL is the truth, so a logout holds in every process.
        async with self._pool.acquire() as conn:
            live = await conn.fetchval(
                "SELECT ended_at IS NULL FROM agent_sessions WHERE id = $1", session_id)
        return bool(live)

    async def touch(self, session_id: uuid.UUID, agent_id: uuid.UUID,
                    at: datetime) -> AgentSession | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "UPDATE agent_sessions SET last_seen_at = greatest(last_seen_at, $3) "
                "WHERE id = $1 AND agent_id = $2 AND ended_at IS NULL "
                f"RETURNING {_SESSION_FIELDS}", session_id, agent_id, at)
        return AgentSession(**dict(row)) if row else None

    async def end_sessions(self, *, at: datetime, reason: str,
                           session_id: uuid.UUID | None = None,
                           idle_before: datetime | None = None) -> SessionsEnded:
        if (session_id is None) == (idle_before is None):
            raise ValueError("end one session or the idle ones, not both or neither")
        which, still_live = (("id = $3", "true") if session_id else
                             ("last_seen_at < $3", "s.last_seen_at >= $3"))
        key = session_id or idle_before
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK_AGENTS.format(which=which.replace("$3", "$1")), key)
            row = await conn.fetchrow(_END.format(which=which, still_live=still_live),
                                      at, reason, key)
            gone = list(row["gone"])
            if not gone:
                return SessionsEnded(row["sessions"])
            offline = await _move(conn, "id = ANY($5::uuid[])", gone,
                                  {s for s in AgentStatus if s is not AgentStatus.OFFLINE},
                                  AgentStatus.OFFLINE, OFFLINE_BECAUSE[reason], at)
            released = await conn.fetch(_RELEASE, gone, at, LEASE_RELEASED)
        return SessionsEnded(row["sessions"], offline,
                             [ReleasedLead(r["user_id"], r["queue_type"], r["score"])
                              for r in released])

    async def move_status(self, *, to: AgentStatus, reason: str, at: datetime,
                          from_statuses: set[AgentStatus], agent_id: uuid.UUID | None = None,
                          since_before: datetime | None = None) -> list[AgentStatusChanged]:
        which, arg = (("id = $5", agent_id) if agent_id is not None
                      else ("status_since <= $5", since_before))
        async with self._pool.acquire() as conn:  # one statement: atomic on its own
            return await _move(conn, which, arg, from_statuses, to, reason, at)


async def _move(conn: asyncpg.Connection, which: str, arg: object,
                from_statuses: set[AgentStatus], to: AgentStatus, reason: str,
                at: datetime) -> list[AgentStatusChanged]:
    rows = await conn.fetch(_MOVE.format(which=which), sorted(s.value for s in from_statuses),
                            to.value, at, reason, arg)
    return [AgentStatusChanged(r["id"], AgentStatus(r["previous"]), to, reason, at)
            for r in rows]
