"""The records that may tie an agent to users, read in one statement per request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from domain.access.ports import WorkTies
from domain.access.rule import Tie, TieRecord
from domain.calls.callbacks import PENDING

# Each branch is an index range of one agent's rows (see migration 0012): a day's calls,
# dispositions and texts, the few leases and callbacks still open, the rings of a day;
# only the users asked come back.
_TIES = f"""
SELECT user_id, 'LEASE' AS tie, expires_at AS at, NULL AS status
  FROM leases WHERE agent_id = $1 AND ended_at IS NULL AND user_id = ANY($3)
UNION ALL
SELECT user_id, 'CALLBACK', scheduled_for, status
  FROM callbacks WHERE agent_id = $1 AND status = '{PENDING}'
   AND user_id = ANY($3)
UNION ALL
SELECT c.user_id, 'RING', r.rang_at, c.status
  FROM call_rings r JOIN calls c ON c.id = r.call_id
 WHERE r.agent_id = $1 AND r.rang_at >= $2 AND c.user_id = ANY($3)
UNION ALL
SELECT user_id, 'CONTACT', started_at, NULL
  FROM calls WHERE agent_id = $1 AND started_at >= $2 AND user_id = ANY($3)
UNION ALL
SELECT user_id, 'CONTACT', created_at, NULL
  FROM dispositions WHERE agent_id = $1 AND created_at >= $2 AND user_id = ANY($3)
UNION ALL
SELECT user_id, 'CONTACT', created_at, NULL
  FROM sms_messages WHERE agent_id = $1 AND created_at >= $2 AND user_id = ANY($3)
"""


class PgWorkTies(WorkTies):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def of_agent(self, agent_id: uuid.UUID, user_ids: Sequence[int],
                       since: datetime) -> list[TieRecord]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(_TIES, agent_id, since, list(user_ids))
        return [TieRecord(r["user_id"], Tie(r["tie"]), r["at"], r["status"]) for r in rows]
