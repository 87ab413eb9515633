"""What the conversation actions change outside the messaging tables, in memory."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.conversations.ports import CallbackTimeParser, ConversationEffects
from domain.messaging.follow_ups import PlannedFollowUp
from domain.messaging.ports import FollowUpStore


@dataclass
class FakeConversationEffects(ConversationEffects):
    """``agents``: (user, agent, at) of each call or disposition; ``fail`` raises."""

    blocked: set[int] = field(default_factory=set)
    dirty: set[int] = field(default_factory=set)
    agents: list[tuple[int, uuid.UUID, datetime]] = field(default_factory=list)
    callbacks: dict[int, tuple[datetime, uuid.UUID | None]] = field(default_factory=dict)
    fail: Exception | None = None

    async def block_wrong_number(self, user_id: int, now: datetime) -> None:
        if self.fail is not None:
            raise self.fail
        self.blocked.add(user_id)
        self.dirty.add(user_id)

    async def last_agent(self, user_id: int, since: datetime) -> uuid.UUID | None:
        worked = [(at, agent) for user, agent, at in self.agents
                  if user == user_id and at >= since]
        return max(worked)[1] if worked else None

    async def book_callback(self, user_id: int, at: datetime, agent_id: uuid.UUID | None,
                            now: datetime) -> None:
        self.callbacks[user_id] = (at, agent_id)  # superseding any pending one
        self.dirty.add(user_id)


@dataclass
class FakeCallbackTimes(CallbackTimeParser):
    """``times``: the moment each text names; any other names none."""

    times: dict[str, datetime] = field(default_factory=dict)

    def parse(self, text: str, sent_at: datetime) -> datetime | None:
        return self.times.get(text)


@dataclass
class FakeFollowUps(FollowUpStore):
    """Follow-ups as {id: row}; only what the conversation actions use is kept."""

    rows: dict[int, dict] = field(default_factory=dict)

    def add(self, user_id: int, due_at: datetime, status: str = "PENDING") -> int:
        follow_up_id = len(self.rows) + 1
        self.rows[follow_up_id] = {"id": follow_up_id, "user_id": user_id, "due_at": due_at,
                                   "status": status}
        return follow_up_id

    async def defer_pending(self, user_id: int, by: timedelta, now: datetime) -> int:
        moved = [r for r in self.rows.values()
                 if r["user_id"] == user_id and r["status"] == "PENDING"]
        for row in moved:
            row["due_at"] += by
        return len(moved)

    async def schedule(self, plans: Sequence[PlannedFollowUp], now: datetime) -> int:
        raise NotImplementedError

    async def cancel_for_user(self, user_id: int, reason: str, now: datetime) -> int:
        raise NotImplementedError

    async def claim_due(self, now: datetime, limit: int = 100) -> list[Mapping[str, object]]:
        raise NotImplementedError

    async def skip(self, follow_up_id: int, reason: str, now: datetime) -> None:
        raise NotImplementedError

    async def defer(self, follow_up_id: int, until: datetime, now: datetime) -> None:
        raise NotImplementedError

    async def pending_callbacks(self, user_ids: Sequence[int]) -> set[tuple[int, datetime]]:
        raise NotImplementedError
