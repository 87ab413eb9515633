"""Conversions: recorded once each, attributed to the agent of the last real conversation."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from domain.sync.routing import ConversionSeen

# A real conversation: over 30 s of talk within 30 days before the conversion. "After a
# call": any call or disposition for the user in those 30 days; otherwise not a conversion.
_RECORD = """
INSERT INTO conversions (dedupe_key, kind, user_id, claim_id, requirement_id, lender,
                         agent_id, call_id, queue_type, experiment_arm, occurred_at)
SELECT c.key, c.kind, c.user_id, c.claim_id, c.requirement_id, NULL,
       talk.agent_id, talk.id, COALESCE(talk.queue_type, last_d.queue_type), q.experiment_arm,
       c.occurred_at
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[],
            $6::timestamptz[]) AS c(key, kind, user_id, claim_id, requirement_id, occurred_at)
LEFT JOIN LATERAL (
    SELECT id, agent_id, queue_type FROM calls
    WHERE user_id = c.user_id AND talk_seconds > 30
      AND started_at BETWEEN c.occurred_at - interval '30 days' AND c.occurred_at
    ORDER BY started_at DESC LIMIT 1) talk ON true
LEFT JOIN LATERAL (
    SELECT queue_type FROM dispositions
    WHERE user_id = c.user_id
      AND created_at BETWEEN c.occurred_at - interval '30 days' AND c.occurred_at
    ORDER BY created_at DESC LIMIT 1) last_d ON true
LEFT JOIN queue_entries q ON q.user_id = c.user_id
WHERE talk.id IS NOT NULL OR last_d.queue_type IS NOT NULL
   OR EXISTS (SELECT 1 FROM calls k WHERE k.user_id = c.user_id
              AND k.started_at BETWEEN c.occurred_at - interval '30 days' AND c.occurred_at)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING user_id, kind, agent_id
"""


async def record_conversions(pool: asyncpg.Pool, seen: Sequence[ConversionSeen]
                             ) -> list[asyncpg.Record]:
    """Inserts the new ones; returns what was recorded now (a repeat returns nothing)."""
    if not seen:
        return []
    return await pool.fetch(
        _RECORD, [s.dedupe_key for s in seen], [s.kind.value for s in seen],
        [s.user_id for s in seen], [s.claim_id for s in seen],
        [s.requirement_id for s in seen], [s.occurred_at for s in seen])
