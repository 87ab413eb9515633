"""Agent sessions and presence in PostgreSQL: the per-request standing, heartbeats, logouts,
idle sweeps, wrap-up."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

import asyncpg

from domain.agents.model import AgentStatus, AgentStatusChanged, Role
from domain.agents.ports import PresenceStore, ReleasedLead, SessionsEnded
from domain.agents.presence import LEASE_RELEASED, OFFLINE_BECAUSE
from domain.agents.sessions import AgentSession, Standing
from infrastructure.postgres.agent_accounts import AGENT_COLUMNS, agent_from_row

_SESSION_FIELDS = ", ".join(AgentSession.__dataclass_fields__)

# Ends the chosen live sessions; returns the agents left with no live session at all.
# (One statement: the NOT EXISTS sees the rows as they were, so sessions ended here are
# excluded by the same condition that chose them.)
_END = """
WITH ended AS (
    UPDATE agent_sessions SET ended_at = $1, end_reason = $2
    WHERE ended_at IS NULL AND {which} RETURNING id, agent_id
)
SELECT (SELECT count(*) FROM ended) AS sessions, array(SELECT id FROM ended) AS ids,
       array(SELECT DISTINCT agent_id FROM ended) AS agents,
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
# The agent's role and active flag, and whether the token's session (if any) is live: one
# read per request, two primary-key probes.
# The whole agent comes along: the request then needs no read of its own caller.
_STANDING = f"""
SELECT {AGENT_COLUMNS}, ($2::uuid IS NULL OR EXISTS (
    SELECT 1 FROM agent_sessions s WHERE s.id = $2 AND s.agent_id = a.id
    AND s.ended_at IS NULL)) AS live
FROM agents a WHERE a.id = $1
"""
# The same for many (agent, session) pairs at once (the live-socket sweep).
_STANDINGS = """
SELECT k.agent_id, k.session_id, a.role, a.is_active,
       (k.session_id IS NULL OR s.id IS NOT NULL) AS live
FROM unnest($1::uuid[], $2::uuid[]) AS k(agent_id, session_id)
LEFT JOIN agents a ON a.id = k.agent_id
LEFT JOIN agent_sessions s ON s.id = k.session_id AND s.agent_id = k.agent_id
     AND s.ended_at IS NULL
"""
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

    async def standing(self, agent_id: uuid.UUID, session_id: uuid.UUID | None) -> Standing:
        # PostgreSQL is the truth, so a logout or a role change holds in every process.
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(_STANDING, agent_id, session_id)
        if row is None:
            return Standing(None)
        return replace(_standing(row), agent=agent_from_row(row))

    async def standings(self, keys: Collection[tuple[uuid.UUID, uuid.UUID | None]]
                        ) -> dict[tuple[uuid.UUID, uuid.UUID | None], Standing]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(_STANDINGS, [a for a, _ in unique], [s for _, s in unique])
        return {(r["agent_id"], r["session_id"]): _standing(r) for r in rows}

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
                           idle_before: datetime | None = None,
                           agent_id: uuid.UUID | None = None) -> SessionsEnded:
        if sum(k is not None for k in (session_id, idle_before, agent_id)) != 1:
            raise ValueError("end one session, the idle ones or one agent's: exactly one")
        which, still_live, key = (
            ("id = $3", "true", session_id) if session_id else
            ("last_seen_at < $3", "s.last_seen_at >= $3", idle_before) if idle_before else
            ("agent_id = $3", "false", agent_id))
        async with self._pool.acquire() as conn, conn.transaction():
            if agent_id is not None:  # the agent goes, live sessions or not
                await conn.execute("SELECT id FROM agents WHERE id = $1 FOR UPDATE", agent_id)
            else:
                await conn.execute(_LOCK_AGENTS.format(which=which.replace("$3", "$1")), key)
            row = await conn.fetchrow(_END.format(which=which, still_live=still_live),
                                      at, reason, key)
            count, ids, agents = row["sessions"], list(row["ids"]), list(row["agents"])
            gone = [agent_id] if agent_id is not None else list(row["gone"])
            if not gone:
                return SessionsEnded(count, session_ids=ids, agent_ids=agents)
            offline = await _move(conn, "id = ANY($5::uuid[])", gone,
                                  {s for s in AgentStatus if s is not AgentStatus.OFFLINE},
                                  AgentStatus.OFFLINE, OFFLINE_BECAUSE[reason], at)
            released = await conn.fetch(_RELEASE, gone, at, LEASE_RELEASED)
        return SessionsEnded(count, offline,
                             [ReleasedLead(r["user_id"], r["queue_type"], r["score"])
                              for r in released], ids, agents)

    async def move_status(self, *, to: AgentStatus, reason: str, at: datetime,
                          from_statuses: set[AgentStatus], agent_id: uuid.UUID | None = None,
                          since_before: datetime | None = None) -> list[AgentStatusChanged]:
        which, arg = (("id = $5", agent_id) if agent_id is not None
                      else ("status_since <= $5", since_before))
        async with self._pool.acquire() as conn:  # one statement: atomic on its own
            return await _move(conn, which, arg, from_statuses, to, reason, at)


def _standing(row: asyncpg.Record | None) -> Standing:
    if row is None or row["role"] is None:
        return Standing(None)
    return Standing(Role(row["role"]), row["is_active"], row["live"])


async def _move(conn: asyncpg.Connection, which: str, arg: object,
                from_statuses: set[AgentStatus], to: AgentStatus, reason: str,
                at: datetime) -> list[AgentStatusChanged]:
    rows = await conn.fetch(_MOVE.format(which=which), sorted(s.value for s in from_statuses),
                            to.value, at, reason, arg)
    return [AgentStatusChanged(r["id"], AgentStatus(r["previous"]), to, reason, at)
            for r in rows]
