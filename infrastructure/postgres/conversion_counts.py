"""Users worked and converted per segment and per agent, counted in SQL (GROUP BY).

Worked: distinct users an outbound call reached in a queue (its outcome set and not one
that reached nobody); converted: those of them with a conversion credited to that queue
(and, per agent, to that agent). A call with no queue (imported history, which the source
system never queued) counts in no queue's rate. A call without an agent id is the agent
whose e-mail it carries, when the agents table knows it; else it is in no agent's rate.
Segments come from the replica, so each user's is shipped once into a temporary table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import asyncpg

from domain.learning.conversions import ConversionCounts
from domain.learning.segments import UNKNOWN_AGE, UNKNOWN_AREA, UNKNOWN_LENDER, Segment

_UNKNOWN: Segment = (UNKNOWN_AGE, UNKNOWN_AREA, UNKNOWN_LENDER)  # users the replica lacks
_TABLE = "learning_user_segments"
_REACHED = ("c.direction = 'OUTBOUND' AND c.user_id IS NOT NULL AND c.queue_type IS NOT NULL "
            "AND c.outcome IS NOT NULL AND c.outcome <> ALL($1::text[])")
# One scan of the calls: each user reached per queue and agent, then counted twice over,
# per segment (agent_id NULL on those rows) and per agent and lender.
_COUNTS = f"""
WITH reached AS MATERIALIZED (
    SELECT DISTINCT c.user_id, c.queue_type, coalesce(c.agent_id, a.id) AS agent_id
    FROM calls c LEFT JOIN agents a ON c.agent_id IS NULL AND lower(a.email) = c.agent_email
    WHERE {_REACHED}),
worked AS (SELECT DISTINCT user_id, queue_type FROM reached),
to_queue AS (SELECT DISTINCT user_id, queue_type FROM conversions
             WHERE queue_type IS NOT NULL),
to_agent AS (SELECT DISTINCT user_id, queue_type, agent_id FROM conversions
             WHERE queue_type IS NOT NULL AND agent_id IS NOT NULL)
SELECT NULL::uuid AS agent_id, w.queue_type, coalesce(s.segment, $2) AS key,
       count(v.user_id) AS converted, count(*) AS worked
FROM worked w
LEFT JOIN to_queue v ON v.user_id = w.user_id AND v.queue_type = w.queue_type
LEFT JOIN {_TABLE} s ON s.user_id = w.user_id
GROUP BY 2, 3
UNION ALL
SELECT r.agent_id, r.queue_type, coalesce(s.lender, $3), count(v.user_id), count(*)
FROM reached r
LEFT JOIN to_agent v ON v.user_id = r.user_id AND v.queue_type = r.queue_type
                    AND v.agent_id = r.agent_id
LEFT JOIN {_TABLE} s ON s.user_id = r.user_id
WHERE r.agent_id IS NOT NULL
GROUP BY 1, 2, 3
"""


async def conversion_counts(conn: asyncpg.Connection, not_reached: Sequence[str],
                            segments: Mapping[int, Segment]) -> ConversionCounts:
    """Counted on ``conn``, in a transaction of its own (the temporary table ends with it)."""
    keys = sorted(set(segments.values()) | {_UNKNOWN})
    number = {key: n for n, key in enumerate(keys)}
    lenders = sorted({key[2] for key in keys})
    lender_number = {name: n for n, name in enumerate(lenders)}
    async with conn.transaction():
        # A nightly batch over every call: room to hash them in memory, for this job alone.
        await conn.execute("SET LOCAL work_mem = '256MB'")
        await conn.execute(f"CREATE TEMPORARY TABLE {_TABLE} (user_id bigint, segment int, "
                           "lender int) ON COMMIT DROP")
        await conn.copy_records_to_table(_TABLE, records=[
            (u, number[s], lender_number[s[2]]) for u, s in segments.items()])
        await conn.execute(f"ANALYZE {_TABLE}")  # planned as the size it is, not a guess
        found = await conn.fetch(_COUNTS, list(not_reached), number[_UNKNOWN],
                                 lender_number[_UNKNOWN[2]])
    return ConversionCounts(
        {(*keys[r["key"]], r["queue_type"]): (r["converted"], r["worked"])
         for r in found if r["agent_id"] is None},
        {(r["agent_id"], r["queue_type"], lenders[r["key"]]): (r["converted"], r["worked"])
         for r in found if r["agent_id"] is not None})
