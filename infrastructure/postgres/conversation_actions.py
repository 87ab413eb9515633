"""What acting on a customer's text changes outside the messaging tables, in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.conversations.ports import ConversationEffects
from infrastructure.postgres.dispositions import block_wrong_number, mark_dirty, schedule

_NOTE = "asked for by text"
# The index ranges of migration 0012 are per agent; a user's few rows are read here.
_LAST_AGENT = """
SELECT agent_id FROM (
  SELECT agent_id, started_at AS at FROM calls
   WHERE user_id = $1 AND agent_id IS NOT NULL AND started_at >= $2
  UNION ALL
  SELECT agent_id, created_at FROM dispositions
   WHERE user_id = $1 AND agent_id IS NOT NULL AND created_at >= $2
) t ORDER BY at DESC LIMIT 1
"""


class PgConversationEffects(ConversationEffects):
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def block_wrong_number(self, user_id: int, now: datetime) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await block_wrong_number(conn, user_id)
            await mark_dirty(conn, [user_id], now)

    async def last_agent(self, user_id: int, since: datetime) -> uuid.UUID | None:
        return await self.pool.fetchval(_LAST_AGENT, user_id, since)

    async def book_callback(self, user_id: int, at: datetime, agent_id: uuid.UUID | None,
                            now: datetime) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await schedule(conn, user_id, at, agent_id, agent_id is not None, _NOTE, now)
            await mark_dirty(conn, [user_id], now)
