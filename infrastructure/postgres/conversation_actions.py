"""What acting on a customer's text changes outside the messaging tables, and the actions
taken read back, in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.conversations.actions import BOOKS_A_CALLBACK, TakenAction
from domain.conversations.model import Intent
from domain.conversations.ports import ActionHistory, ConversationEffects
from infrastructure.postgres.dispositions import block_wrong_number, mark_dirty, schedule

_NOTE = "asked for by text"
# On sms_messages_user_idx. A callback a text booked was inserted with the text's time as its
# creation time (book_callback is given the text's created_at), with the note above.
_TAKEN = """
SELECT m.id, m.created_at, m.intent, m.intent_confidence, m.action, c.scheduled_for
  FROM sms_messages m
  LEFT JOIN LATERAL (
    SELECT scheduled_for FROM callbacks
     WHERE user_id = m.user_id AND created_at = m.created_at AND note = $4
       AND m.action = ANY($5::text[])
     ORDER BY id DESC LIMIT 1) c ON true
 WHERE m.user_id = $1 AND m.created_at >= $2 AND m.direction = 'INBOUND'
   AND m.action IS NOT NULL
 ORDER BY m.created_at DESC, m.id DESC LIMIT $3
"""
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


class PgActionHistory(ActionHistory):
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def recent(self, user_id: int, since: datetime, limit: int) -> list[TakenAction]:
        rows = await self.pool.fetch(_TAKEN, user_id, since, limit, _NOTE,
                                     [k.value for k in BOOKS_A_CALLBACK])
        return [TakenAction(r["id"], r["created_at"],
                            Intent(r["intent"]) if r["intent"] else None,
                            r["intent_confidence"], r["action"], r["scheduled_for"])
                for r in rows]
