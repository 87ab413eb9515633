"""Supervisor figures in SQL: two statements per dashboard whatever the number of agents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from domain.agents.model import AgentStatus, Role
from domain.analytics.figures import (
    CONTACT_OUTCOMES,
    SENT_TEXT_STATUSES,
    OutcomeGroup,
    Period,
)
from domain.analytics.ports import (
    Activity,
    AgentFigures,
    AgentSummary,
    AnalyticsReads,
    Bucket,
    FloorActivity,
    Movement,
)
from domain.queue.model import MovementCause, QueueType
from domain.queue.ports import QueueSize
from infrastructure.postgres.views import queue_stats

# Every agent's counts over [$1, $2) in one statement: for each agent, a range scan of the
# (agent_id, time) index of calls, dispositions ($3: the contact outcomes), conversions and
# outbound texts ($4: the statuses of a sent one), so the cost follows the period's rows,
# never the tables' history. The last row (id NULL) holds what no agent owns (e.g. inbound
# calls nobody answered, automatic texts), for the floor's totals.
_COUNTS = """
SELECT {agent}, c.calls, c.talk, c.answered, d.dispositions, d.contacts, v.conversions,
       t.texts
FROM {source}
CROSS JOIN LATERAL (
    SELECT count(*) AS calls, coalesce(sum(talk_seconds), 0) AS talk,
           count(*) FILTER (WHERE talk_seconds > 0) AS answered
    FROM calls WHERE agent_id {match} AND started_at >= $1 AND started_at < $2) c
CROSS JOIN LATERAL (
    SELECT count(*) AS dispositions, count(*) FILTER (WHERE outcome = ANY($3::text[]))
           AS contacts
    FROM dispositions WHERE agent_id {match} AND created_at >= $1 AND created_at < $2) d
CROSS JOIN LATERAL (
    SELECT count(*) AS conversions
    FROM conversions WHERE agent_id {match} AND occurred_at >= $1 AND occurred_at < $2) v
CROSS JOIN LATERAL (
    SELECT count(*) AS texts
    FROM sms_messages WHERE agent_id {match} AND created_at >= $1 AND created_at < $2
                            AND direction = 'OUTBOUND' AND status = ANY($4::text[])) t
"""
_AGENT_COLUMNS = ("a.id, a.name, a.email, a.role, a.status, a.status_reason, a.status_since, "
                  "a.queue_types, a.is_active, a.automated, a.texts_per_hour, a.last_login_at")
_NOBODY_COLUMNS = ("NULL::uuid, NULL, NULL, NULL, NULL, NULL, NULL::timestamptz, "
                   "NULL::varchar[], NULL::boolean, NULL::boolean, NULL::int, NULL::timestamptz")
_ACTIVITY = (
    _COUNTS.format(agent=_AGENT_COLUMNS, source="agents a", match="= a.id")
    + "UNION ALL"
    + _COUNTS.format(agent=_NOBODY_COLUMNS, source="(VALUES (1)) AS nobody(x)",
                     match="IS NULL")
)
# The same rows for a long period: one scan of each table grouped by agent beats a range
# scan per agent once the period holds most of the table's recent rows (bench_dashboard:
# 31 days of 20,000 calls a day: 1.8 s through the indexes, 0.18 s grouped).
_GROUPED_COUNTS = """
WITH c AS (
    SELECT agent_id, count(*) AS calls, coalesce(sum(talk_seconds), 0) AS talk,
           count(*) FILTER (WHERE talk_seconds > 0) AS answered
    FROM calls WHERE started_at >= $1 AND started_at < $2 GROUP BY agent_id
), d AS (
    SELECT agent_id, count(*) AS dispositions,
           count(*) FILTER (WHERE outcome = ANY($3::text[])) AS contacts
    FROM dispositions WHERE created_at >= $1 AND created_at < $2 GROUP BY agent_id
), v AS (
    SELECT agent_id, count(*) AS conversions
    FROM conversions WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY agent_id
), t AS (
    SELECT agent_id, count(*) AS texts
    FROM sms_messages WHERE created_at >= $1 AND created_at < $2
                            AND direction = 'OUTBOUND' AND status = ANY($4::text[])
    GROUP BY agent_id
)
"""
_GROUPED_ROWS = """
SELECT {agent}, coalesce(c.calls, 0) AS calls, coalesce(c.talk, 0) AS talk,
       coalesce(c.answered, 0) AS answered, coalesce(d.dispositions, 0) AS dispositions,
       coalesce(d.contacts, 0) AS contacts, coalesce(v.conversions, 0) AS conversions,
       coalesce(t.texts, 0) AS texts
FROM {source} LEFT JOIN c ON c.agent_id {match} LEFT JOIN d ON d.agent_id {match}
LEFT JOIN v ON v.agent_id {match} LEFT JOIN t ON t.agent_id {match}
"""
_GROUPED_ACTIVITY = (
    _GROUPED_COUNTS
    + _GROUPED_ROWS.format(agent=_AGENT_COLUMNS, source="agents a", match="= a.id")
    + "UNION ALL"
    + _GROUPED_ROWS.format(agent=_NOBODY_COLUMNS, source="(VALUES (1)) AS nobody(x)",
                           match="IS NULL")
)
# Up to this long, the per-agent index path; longer, the grouped scans.
INDEX_PATH_UP_TO = timedelta(days=2)

_BREAKDOWN = {
    OutcomeGroup.QUEUE: "queue_type",
    OutcomeGroup.AGENT: "agent_id::text",
    OutcomeGroup.HOUR: "to_char(created_at AT TIME ZONE 'Europe/London', 'HH24')",
    OutcomeGroup.LENDER: "user_id",  # the lender comes from the replica
}


# Buckets are London hours or days; events written before causes were count as OTHER.
_MOVEMENTS = """
SELECT date_trunc($3, occurred_at AT TIME ZONE 'Europe/London')
           AT TIME ZONE 'Europe/London' AS bucket_start,
       from_queue, to_queue, coalesce(cause, 'OTHER') AS cause,
       count(DISTINCT user_id) AS users
FROM queue_events WHERE occurred_at >= $1 AND occurred_at < $2
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST, 4
"""


def _queue(value: str | None) -> QueueType | None:
    return QueueType(value) if value is not None else None


def _activity(row: asyncpg.Record) -> Activity:
    return Activity(row["calls"], int(row["talk"]), row["answered"], row["dispositions"],
                    row["contacts"], row["conversions"], row["texts"])


def _figures(row: asyncpg.Record) -> AgentFigures:
    types = row["queue_types"]
    agent = AgentSummary(row["id"], row["name"], row["email"], Role(row["role"]),
                         AgentStatus(row["status"]), row["status_reason"], row["status_since"],
                         frozenset(types) if types is not None else None, row["is_active"],
                         row["automated"], row["texts_per_hour"], row["last_login_at"])
    return AgentFigures(agent, _activity(row))


async def _activity_of_everyone(conn: asyncpg.Connection, period: Period) -> FloorActivity:
    sql = _ACTIVITY if period.end - period.start <= INDEX_PATH_UP_TO else _GROUPED_ACTIVITY
    rows = await conn.fetch(sql, period.start, period.end, list(CONTACT_OUTCOMES),
                            list(SENT_TEXT_STATUSES))
    agents = sorted((_figures(r) for r in rows if r["id"] is not None),
                    key=lambda f: (f.agent.name, f.agent.id))
    return FloorActivity(agents, next(_activity(r) for r in rows if r["id"] is None))


class PgAnalyticsReads(AnalyticsReads):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def board(self, day: Period, now: datetime) -> tuple[list[QueueSize], FloorActivity]:
        """Two statements on one connection: queue depths, then everyone's counts."""
        async with self._pool.acquire() as conn:
            depths = await queue_stats.sizes(conn, now)
            floor = await _activity_of_everyone(conn, day)
        return depths, floor

    async def activity(self, period: Period) -> FloorActivity:
        async with self._pool.acquire() as conn:
            return await _activity_of_everyone(conn, period)

    async def outcome_counts(self, period: Period, by: OutcomeGroup
                             ) -> list[tuple[object, str, int]]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT {_BREAKDOWN[by]} AS key, outcome, count(*) AS n FROM dispositions "
                "WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2 ORDER BY 1, 2",
                period.start, period.end)
        return [(r["key"], r["outcome"], r["n"]) for r in rows]

    async def movements(self, period: Period, bucket: Bucket) -> list[Movement]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(_MOVEMENTS, period.start, period.end, bucket.value.lower())
        return [Movement(r["bucket_start"], _queue(r["from_queue"]), _queue(r["to_queue"]),
                         MovementCause(r["cause"]), r["users"]) for r in rows]

    async def agent_names(self, agent_ids: Sequence[str]) -> dict[str, str]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch("SELECT id::text AS id, name FROM agents "
                                    "WHERE id = ANY($1::uuid[])", list(agent_ids))
        return {r["id"]: r["name"] for r in rows}
