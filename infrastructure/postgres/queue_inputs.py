"""What rebuilds keep of each user's inputs (domain.queue.inputs), over asyncpg.

Each function runs on the caller's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from domain.queue.inputs import InputsSeen
from domain.queue.ports import Keys
from infrastructure.postgres.queue_keys import where
from infrastructure.postgres.staging import FEW_ROWS, through_staging

# The dialler's own facts of each user, as dialler_facts reads them, hashed per user. A
# row's text form tells NULL from an empty string, so no two facts read the same.
_DIALLER_DIGESTS = """
SELECT user_id, hashtextextended(string_agg(part, '|' ORDER BY part), 0) AS digest FROM (
    SELECT user_id, 'n' AS part FROM do_not_call WHERE {w}
    UNION ALL
    SELECT user_id, 's' || row(last_outcome, last_contact_at, failed_attempts,
                               next_call_after, last_called_at)::text FROM call_scores WHERE {w}
    UNION ALL
    SELECT user_id, 'b' || row(wrong_number_phone, no_claim_fingerprint)::text
    FROM call_blocks WHERE {w}
    UNION ALL
    (SELECT DISTINCT ON (user_id) user_id,
            'c' || row(id, scheduled_for, CASE WHEN personal THEN agent_id END)::text
     FROM callbacks WHERE status = 'pending' AND scheduled_for <= {now} AND {w}
     ORDER BY user_id, scheduled_for, id)
) parts GROUP BY user_id
"""
_STAGED = "user_id bigint, digest bigint, seen_at timestamptz, good_until timestamptz"
_UPSERT = ("INSERT INTO queue_inputs (user_id, digest, seen_at, good_until) {rows} "
           "ON CONFLICT (user_id) DO UPDATE SET digest = EXCLUDED.digest, "
           "seen_at = EXCLUDED.seen_at, good_until = EXCLUDED.good_until")


async def inputs_seen(conn: asyncpg.Connection, keys: Keys) -> dict[int, InputsSeen]:
    condition, args = where(keys)
    rows = await conn.fetch("SELECT user_id, digest, seen_at, good_until FROM queue_inputs "
                            f"WHERE {condition}", *args)
    return {r[0]: InputsSeen(r[1], r[2], r[3]) for r in rows}


async def dialler_digests(conn: asyncpg.Connection, keys: Keys, now: datetime
                          ) -> dict[int, int]:
    condition, args = where(keys)
    sql = _DIALLER_DIGESTS.format(w=condition, now=f"${len(args) + 1}")
    return {r[0]: r[1] for r in await conn.fetch(sql, *args, now)}


async def unseen_entries(conn: asyncpg.Connection, keys: Keys) -> set[int]:
    condition, args = where(keys, "e.user_id")
    rows = await conn.fetch(
        f"SELECT e.user_id FROM queue_entries e WHERE {condition} AND NOT EXISTS "
        "(SELECT 1 FROM queue_inputs i WHERE i.user_id = e.user_id)", *args)
    return {r[0] for r in rows}


async def keep_inputs(conn: asyncpg.Connection, seen: Mapping[int, InputsSeen],
                      forgotten: Sequence[int]) -> None:
    rows = [(u, s.digest, s.at, s.good_until) for u, s in seen.items()]
    if len(rows) > FEW_ROWS:
        await through_staging(conn, "inputs_in", _STAGED, rows,
                              _UPSERT.format(rows="SELECT * FROM inputs_in"))
    elif rows:
        await conn.execute(_UPSERT.format(
            rows="SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], "
                 "$4::timestamptz[])"), *(list(column) for column in zip(*rows, strict=True)))
    if forgotten:
        await conn.execute("DELETE FROM queue_inputs WHERE user_id = ANY($1::bigint[])",
                           list(forgotten))
