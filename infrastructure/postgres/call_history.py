"""CallHistory on the pool: one connection per read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.calls.ports import CallHistory, CallPage
from infrastructure.postgres import calls


@dataclass(frozen=True, slots=True)
class PgCallHistory(CallHistory):
    pool: asyncpg.Pool

    async def user_calls(self, user_id: int, first: int,
                         after: tuple[datetime, uuid.UUID] | None) -> CallPage:
        async with self.pool.acquire() as conn:
            return await calls.user_calls(conn, user_id, first, after)

    async def call_agent(self, call_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
        async with self.pool.acquire() as conn:
            return await calls.call_agent(conn, call_id)
