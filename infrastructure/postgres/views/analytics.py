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
from domain.analytics.flow import QueueFlow
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
from infrastructure.postgres.views import movement_sql, queue_stats

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


# queueFlow over [$1, $2) ($3: the contact outcomes): each user's first join of each queue
# (the partial joins index, never the table), then their first contact and conversion at
# or after it (an index-only probe each: dispositions by user and time with the outcome,
# conversions by user and time).
_FLOW = """
WITH joins AS (
    SELECT to_queue AS queue_type, user_id, min(occurred_at) AS joined_at
    FROM queue_events
    WHERE occurred_at >= $1 AND occurred_at < $2 AND kind IN ('ADDED', 'MOVED')
    GROUP BY 1, 2
), timed AS (
    SELECT j.queue_type, extract(epoch FROM c.at - j.joined_at) AS to_contact,
           extract(epoch FROM v.at - j.joined_at) AS to_conversion
    FROM joins j
    LEFT JOIN LATERAL (
        SELECT d.created_at AS at FROM dispositions d
        WHERE d.user_id = j.user_id AND d.created_at >= j.joined_at
          AND d.outcome = ANY($3::text[])
        ORDER BY d.created_at LIMIT 1) c ON true
    LEFT JOIN LATERAL (
        SELECT v.occurred_at AS at FROM conversions v
        WHERE v.user_id = j.user_id AND v.occurred_at >= j.joined_at
        ORDER BY v.occurred_at LIMIT 1) v ON true
)
SELECT queue_type, count(*) AS joined,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_contact) AS median_contact,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_contact) AS p90_contact,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_conversion) AS median_conversion
FROM timed GROUP BY queue_type
"""
# Each report planned for its own period (a prepared statement's generic plan, used from
# its sixth run, knows no period: queueFlow took 550 ms instead of 200), and never
# JIT-compiled: the planner cannot tell how few events the live buckets of a rolled-up
# report hold (it guesses the whole table), and compiling for that cost half a second.
_REPORT_SETTINGS = "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL jit = off"
# And queueFlow's first joins of a long period (500,000 join events at a million events)
# hashed in memory rather than sorted on disk: 7 MB at that size.
_FLOW_SETTINGS = _REPORT_SETTINGS + "; SET LOCAL work_mem = '32MB'"
# Enum members by value: a dictionary look-up per row, as a report can hold 50,000 rows.
_QUEUES: dict[str | None, QueueType | None] = {q.value: q for q in QueueType} | {None: None}
_CAUSES = {c.value: c for c in MovementCause}


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
        """The rolled-up buckets and a live count of the rest (views.movement_sql)."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_REPORT_SETTINGS)
            rows = await conn.fetch(movement_sql.COMBINED, period.start, period.end,
                                    bucket.value.lower())
        return [Movement(start, _QUEUES[origin], _QUEUES[destination], _CAUSES[cause], users)
                for start, origin, destination, cause, users in rows]

    async def queue_flow(self, period: Period) -> list[QueueFlow]:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_FLOW_SETTINGS)
            rows = await conn.fetch(_FLOW, period.start, period.end, list(CONTACT_OUTCOMES))
        return [QueueFlow(QueueType(r["queue_type"]), r["joined"], r["median_contact"],
                          r["p90_contact"], r["median_conversion"]) for r in rows]

    async def agent_names(self, agent_ids: Sequence[str]) -> dict[str, str]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch("SELECT id::text AS id, name FROM agents "
                                    "WHERE id = ANY($1::uuid[])", list(agent_ids))
        return {r["id"]: r["name"] for r in rows}
