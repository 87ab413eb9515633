"""Learning snapshots over asyncpg: the history counted in SQL, a snapshot written whole."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from domain.calls.outcomes import CallOutcome
from domain.learning.contact_windows import HOURS
from domain.learning.conversions import ConversionCounts
from domain.learning.ports import CallAndTextCounts, LearningStore
from domain.learning.segments import Segment
from domain.learning.snapshot import Learned
from domain.learning.spacing import gap_edges_seconds
from infrastructure.postgres.conversion_counts import conversion_counts
from infrastructure.postgres.learned_rates import rate_tables

# Every outbound call, counted per user, London hour and (for a call that followed a missed
# call to the same user) the gap since it: one pass over calls gives both the hourly counts
# and the retry spacing's (gap NULL: the user's first call, or one after a reached call).
_CALLS = """
WITH c AS (
    SELECT user_id, started_at, outcome <> ALL($1::text[]) AS reached,
           lag(started_at) OVER w AS before_at, lag(outcome <> ALL($1::text[])) OVER w AS before
    FROM calls WHERE direction = 'OUTBOUND' AND user_id IS NOT NULL AND outcome IS NOT NULL
    WINDOW w AS (PARTITION BY user_id ORDER BY started_at, id)
)
SELECT user_id, extract(hour FROM started_at AT TIME ZONE 'Europe/London')::int AS hour,
       CASE WHEN NOT before THEN width_bucket(extract(epoch FROM started_at - before_at)::float8,
                                             $2::float8[]) END AS gap,
       count(*) FILTER (WHERE reached) AS contacts, count(*) AS attempts
FROM c GROUP BY 1, 2, 3
"""
# A text was answered when the source says so or the user wrote back within two days.
_TEXTS = """
SELECT m.user_id, count(*) FILTER (WHERE m.replied OR EXISTS (
           SELECT 1 FROM sms_messages i WHERE i.user_id = m.user_id
           AND i.direction = 'INBOUND' AND i.created_at > m.created_at
           AND i.created_at < m.created_at + interval '2 days')) AS replied, count(*) AS texts
FROM sms_messages m WHERE m.direction = 'OUTBOUND' AND m.user_id IS NOT NULL
AND m.status <> 'FAILED' GROUP BY 1
"""


class PgLearningStore(LearningStore):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def counts(self, not_reached: Sequence[CallOutcome]) -> CallAndTextCounts:
        async with self._pool.acquire() as conn:
            calls = await conn.fetch(_CALLS, [o.value for o in not_reached],
                                     gap_edges_seconds())
            texts = await conn.fetch(_TEXTS)
        by_hour: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        after_misses = {}
        for user_id, hour, gap, contacts, attempts in calls:
            for counts in (by_hour[user_id][hour], totals[user_id]):
                counts[0] += contacts
                counts[1] += attempts
            if gap is not None:
                after_misses[(user_id, hour, gap)] = (contacts, attempts)
        return CallAndTextCounts(
            {u: {h: (c, n) for h, (c, n) in hours.items()} for u, hours in by_hour.items()},
            {u: (c, n) for u, (c, n) in totals.items()},
            {r[0]: (r[1], r[2]) for r in texts}, after_misses)

    async def conversions(self, not_reached: Sequence[CallOutcome],
                          segments: Mapping[int, Segment]) -> ConversionCounts:
        async with self._pool.acquire() as conn:
            return await conversion_counts(conn, [o.value for o in not_reached], segments)

    async def save(self, learned: Learned, figures: dict, now: datetime) -> int:
        users = sorted(learned.contact.users.keys() | learned.channels.keys())
        rows = [self._user_row(learned, u) for u in users]
        segments = [(name, [rates[h].estimate for h in HOURS])
                    for name, rates in learned.contact.segments.items()]
        segments.append(("everyone", [learned.contact.everyone[h].estimate for h in HOURS]))
        async with self._pool.acquire() as conn, conn.transaction():
            # One writer at a time: the versions stay a sequence, one snapshot active.
            await conn.execute("LOCK TABLE learning_snapshots IN EXCLUSIVE MODE")
            snapshot, version = await conn.fetchrow(
                "INSERT INTO learning_snapshots (version, status, created_at, figures) "
                "SELECT coalesce(max(version), 0) + 1, 'ACTIVE', $1, $2::jsonb "
                "FROM learning_snapshots RETURNING id, version", now, json.dumps(figures))
            await conn.copy_records_to_table(
                "learned_users", records=[(snapshot, *r) for r in rows],
                columns=["snapshot_id", "user_id", "contacts", "attempts", "estimates",
                         "best_start", "best_estimate", "calls", "answered", "texts",
                         "replied", "call_rate", "text_rate", "preferred", "best_end",
                         "best_confidence", "call_confidence", "text_confidence"])
            await conn.copy_records_to_table(
                "learned_segments", records=[(snapshot, n, e) for n, e in segments],
                columns=["snapshot_id", "segment", "estimates"])
            for table, columns, records in rate_tables(learned):
                await conn.copy_records_to_table(
                    table, columns=["snapshot_id", *columns],
                    records=[(snapshot, *r) for r in records])
            await conn.execute("UPDATE learning_snapshots SET status = 'SUPERSEDED' "
                               "WHERE status = 'ACTIVE' AND id <> $1", snapshot)
        return version

    @staticmethod
    def _user_row(learned: Learned, user_id: int) -> tuple:
        rates = learned.contact.users.get(user_id)
        window = learned.windows.get(user_id)
        channel = learned.channels.get(user_id)
        return (
            user_id,
            [rates[h].successes for h in HOURS] if rates else None,
            [rates[h].trials for h in HOURS] if rates else None,
            [rates[h].estimate for h in HOURS] if rates else None,
            window.start if window else None, window.rate.estimate if window else None,
            channel.calls.trials if channel else 0, channel.calls.successes if channel else 0,
            channel.texts.trials if channel else 0, channel.texts.successes if channel else 0,
            channel.calls.estimate if channel else None,
            channel.texts.estimate if channel else None,
            channel.preferred.value if channel and channel.preferred else None,
            window.end if window else None, window.rate.confidence if window else None,
            channel.calls.confidence if channel else None,
            channel.texts.confidence if channel else None)
