"""What scoring and lead matching read of a learning snapshot (domain.scoring.habits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from domain.learning.reads import EVERYONE
from domain.learning.spacing import GapRate
from domain.scoring.habits import Evidence, SnapshotTables, UserHabits

_SNAPSHOT = """
SELECT id, version FROM learning_snapshots
WHERE CASE WHEN $1::int IS NULL THEN status = 'ACTIVE' ELSE version = $1 END
ORDER BY version DESC LIMIT 1
"""
_HABITS = """
SELECT u.user_id, u.best_start, u.best_end, u.best_estimate, u.best_confidence,
       (SELECT sum(c) FROM unnest(u.contacts[u.best_start - 7:u.best_end - 8]) c) AS won,
       (SELECT sum(a) FROM unnest(u.attempts[u.best_start - 7:u.best_end - 8]) a) AS tried,
       u.calls, u.answered, u.call_rate, u.call_confidence,
       u.texts, u.replied, u.text_rate, u.text_confidence, u.estimates
FROM learned_users u JOIN learning_snapshots s ON s.id = u.snapshot_id
WHERE s.version = $1 AND u.user_id = ANY($2::bigint[])
"""


async def snapshot_tables(conn: asyncpg.Connection, version: int | None
                          ) -> SnapshotTables | None:
    """The conversion tables, everyone's hourly contact rates and the retry spacing of
    snapshot ``version`` (None: the active one); None when there is no such snapshot."""
    found = await conn.fetchrow(_SNAPSHOT, version)
    if found is None:
        return None
    snapshot = found["id"]
    segments = await conn.fetch(
        "SELECT age_band, area, lender, queue_type, converted, worked, estimate, confidence "
        "FROM learned_conversions WHERE snapshot_id = $1", snapshot)
    queues = await conn.fetch(
        "SELECT queue_type, converted, worked, estimate, confidence "
        "FROM learned_queue_conversions WHERE snapshot_id = $1", snapshot)
    hours = await conn.fetchval(
        "SELECT estimates FROM learned_segments WHERE snapshot_id = $1 AND segment = $2",
        snapshot, EVERYONE)
    gaps = await conn.fetch(
        "SELECT gap, calls, contacts, expected, ratio, confidence FROM learned_spacing "
        "WHERE snapshot_id = $1", snapshot)
    return SnapshotTables(
        found["version"],
        {(r["age_band"], r["area"], r["lender"], r["queue_type"]): _rate(r) for r in segments},
        {r["queue_type"]: _rate(r) for r in queues}, tuple(hours or ()),
        {r["gap"]: GapRate(*r) for r in gaps})


def _rate(r) -> Evidence:
    return Evidence(r["converted"], r["worked"], r["estimate"], r["confidence"])


async def user_habits(conn: asyncpg.Connection, snapshot_version: int,
                      user_ids: Sequence[int]) -> dict[int, UserHabits]:
    """The habits snapshot ``snapshot_version`` learned of these users (those it has)."""
    rows = await conn.fetch(_HABITS, snapshot_version, list(user_ids))
    return {r["user_id"]: _habits(r) for r in rows}


def _habits(r) -> UserHabits:
    window = None
    if r["best_start"] is not None and r["best_end"] is not None:
        window = Evidence(int(r["won"] or 0), int(r["tried"] or 0), r["best_estimate"],
                          r["best_confidence"] or 0.0)
    return UserHabits(r["best_start"] if window else None, r["best_end"] if window else None,
                      window, _channel(r, "answered", "calls", "call"),
                      _channel(r, "replied", "texts", "text"),
                      tuple(r["estimates"]) if r["estimates"] is not None else None)


def _channel(r, successes: str, trials: str, channel: str) -> Evidence | None:
    """A channel's rate; with no trials of its own it is everyone's, kept, so that a user
    only ever texted is set against the call rate learning set them against."""
    rate = r[f"{channel}_rate"]
    return None if rate is None else Evidence(r[successes] or 0, r[trials] or 0, rate,
                                              r[f"{channel}_confidence"] or 0.0)


async def agent_rates(conn: asyncpg.Connection, snapshot_version: int, agent_id: uuid.UUID
                      ) -> dict[tuple[str, str], tuple[Evidence, float]]:
    """(queue type, lender) → the agent's conversion evidence and the team's estimate."""
    rows = await conn.fetch(
        "SELECT a.queue_type, a.lender, a.converted, a.worked, a.estimate, a.confidence, "
        "a.team_estimate FROM learned_agents a JOIN learning_snapshots s "
        "ON s.id = a.snapshot_id WHERE s.version = $1 AND a.agent_id = $2",
        snapshot_version, agent_id)
    return {(r["queue_type"], r["lender"]): (_rate(r), r["team_estimate"]) for r in rows}
