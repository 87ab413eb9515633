"""Conversions: recorded once each, credited as domain.calls.attribution decides."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import asyncpg

from domain.calls.attribution import (
    WINDOW,
    CallBefore,
    DispositionBefore,
    LinkFollowed,
    credit,
)
from domain.sync.routing import ConversionSeen

# What the credit is decided on, for these users from $2 to $3 (the window before the
# earliest conversion up to the latest): their calls, dispositions, each moment they
# followed a magic link (first and last click, redemption) and their experiment arm.
_BEFORE = """
SELECT 'call' AS source, user_id, id, agent_id, queue_type, started_at AS at, talk_seconds,
       NULL::varchar AS arm
FROM calls WHERE user_id = ANY($1::bigint[]) AND started_at BETWEEN $2 AND $3
UNION ALL
SELECT 'disposition', user_id, NULL, NULL, queue_type, created_at, NULL, NULL
FROM dispositions WHERE user_id = ANY($1::bigint[]) AND created_at BETWEEN $2 AND $3
UNION ALL
SELECT 'link', l.user_id, l.id, l.sent_by, NULL, f.at, NULL, NULL
FROM magic_links l
CROSS JOIN LATERAL (VALUES (l.clicked_at), (l.last_clicked_at), (l.used_at)) AS f(at)
WHERE l.user_id = ANY($1::bigint[]) AND l.sent_at <= $3 AND f.at BETWEEN $2 AND $3
UNION ALL
SELECT 'entry', user_id, NULL, NULL, NULL, NULL, NULL, experiment_arm
FROM queue_entries WHERE user_id = ANY($1::bigint[])
"""
_RECORD = """
INSERT INTO conversions (dedupe_key, kind, user_id, claim_id, requirement_id, lender,
                         agent_id, call_id, queue_type, experiment_arm, occurred_at)
SELECT key, kind, user_id, claim_id, requirement_id, NULL, agent_id, call_id, queue_type,
       arm, occurred_at
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::uuid[],
            $7::uuid[], $8::text[], $9::text[], $10::timestamptz[])
     AS c(key, kind, user_id, claim_id, requirement_id, agent_id, call_id, queue_type, arm,
          occurred_at)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING user_id, kind, agent_id
"""


class _Before:
    """One user's facts read by _BEFORE."""

    def __init__(self):
        self.calls: list[CallBefore] = []
        self.dispositions: list[DispositionBefore] = []
        self.links: list[LinkFollowed] = []
        self.arm: str | None = None


async def _facts_before(pool: asyncpg.Pool, seen: Sequence[ConversionSeen]
                        ) -> dict[int, _Before]:
    by_user: dict[int, _Before] = defaultdict(_Before)
    moments = [s.occurred_at for s in seen]
    for r in await pool.fetch(_BEFORE, sorted({s.user_id for s in seen}),
                              min(moments) - WINDOW, max(moments)):
        facts = by_user[r["user_id"]]
        if r["source"] == "call":
            facts.calls.append(CallBefore(r["id"], r["agent_id"], r["queue_type"], r["at"],
                                          r["talk_seconds"]))
        elif r["source"] == "disposition":
            facts.dispositions.append(DispositionBefore(r["queue_type"], r["at"]))
        elif r["source"] == "link":
            facts.links.append(LinkFollowed(r["id"], r["agent_id"], r["at"]))
        else:
            facts.arm = r["arm"]
    return by_user


async def record_conversions(pool: asyncpg.Pool, seen: Sequence[ConversionSeen]
                             ) -> list[asyncpg.Record]:
    """Inserts the new ones; returns what was recorded now (a repeat returns nothing)."""
    if not seen:
        return []
    before = await _facts_before(pool, seen)
    rows = []
    for s in seen:
        facts = before.get(s.user_id) or _Before()
        got = credit(s.occurred_at, facts.calls, facts.dispositions, facts.links)
        if got is not None:
            rows.append((s.dedupe_key, s.kind.value, s.user_id, s.claim_id, s.requirement_id,
                         got.agent_id, got.call_id, got.queue_type, facts.arm, s.occurred_at))
    if not rows:
        return []
    return await pool.fetch(_RECORD, *[list(column) for column in zip(*rows, strict=True)])
