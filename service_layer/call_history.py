"""A user's calls page by page, and whom a call belongs to (who may follow it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.calls.ports import CallHistory, CallPage


@dataclass(frozen=True, slots=True)
class CallRecords:
    history: CallHistory

    async def user_calls(self, user_id: int, first: int,
                         after: tuple[datetime, uuid.UUID] | None) -> CallPage:
        return await self.history.user_calls(user_id, first, after)

    async def call_agent(self, call_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
        """(the call exists, its agent)."""
        return await self.history.call_agent(call_id)
