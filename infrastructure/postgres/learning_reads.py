"""The learning snapshots read back over asyncpg: the active one's rows, and the list."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from domain.history.records import Channel
from domain.learning.reads import (
    EVERYONE,
    ActiveLearning,
    LearnedUser,
    LearningReads,
    SnapshotStatus,
    SnapshotSummary,
)

# One statement: the active snapshot's version on every row (a row with no user when none
# of the users has one of their own), then its rows of the users and of the segments.
_ACTIVE = """
WITH active AS (SELECT id, version FROM learning_snapshots WHERE status = 'ACTIVE'
                ORDER BY version DESC LIMIT 1)
SELECT a.version, u.user_id, NULL::text AS segment, u.estimates, u.contacts, u.attempts,
       u.calls, u.answered, u.texts, u.replied, u.call_rate, u.text_rate, u.preferred
FROM active a LEFT JOIN learned_users u ON u.snapshot_id = a.id AND u.user_id = ANY($1)
UNION ALL
SELECT a.version, NULL, s.segment, s.estimates, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL
FROM active a JOIN learned_segments s ON s.snapshot_id = a.id AND s.segment = ANY($2)
"""
_SUMMARY = """
SELECT version, status, created_at, coalesce((figures->>'users')::bigint, 0) AS users,
       coalesce((figures->>'calls')::bigint, 0) AS calls,
       coalesce((figures->>'texts')::bigint, 0) AS texts
FROM learning_snapshots
"""


class PgLearningReads(LearningReads):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def active(self, user_ids: Sequence[int], segments: Sequence[str]
                     ) -> ActiveLearning | None:
        rows = await self._pool.fetch(_ACTIVE, list(user_ids), [*segments, EVERYONE])
        if not rows:
            return None
        users = {r["user_id"]: _user(r) for r in rows if r["user_id"] is not None}
        found = {r["segment"]: tuple(r["estimates"]) for r in rows if r["segment"] is not None}
        return ActiveLearning(rows[0]["version"], users, found)

    async def snapshots(self) -> list[SnapshotSummary]:
        rows = await self._pool.fetch(_SUMMARY + " ORDER BY version DESC")
        return [_summary(r) for r in rows]

    async def snapshot(self, version: int) -> SnapshotSummary | None:
        row = await self._pool.fetchrow(_SUMMARY + " WHERE version = $1", version)
        return _summary(row) if row else None


def _tuple(values: list | None) -> tuple | None:
    return tuple(values) if values is not None else None


def _user(r: asyncpg.Record) -> LearnedUser:
    return LearnedUser(
        r["user_id"], _tuple(r["estimates"]), _tuple(r["contacts"]), _tuple(r["attempts"]),
        r["calls"], r["answered"], r["texts"], r["replied"], r["call_rate"], r["text_rate"],
        Channel(r["preferred"]) if r["preferred"] else None)


def _summary(r: asyncpg.Record) -> SnapshotSummary:
    return SnapshotSummary(r["version"], SnapshotStatus(r["status"]), r["created_at"],
                           r["users"], r["calls"], r["texts"])
