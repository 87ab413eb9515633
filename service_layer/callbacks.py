"""The floor's booked callbacks: who has which, and handing an absent agent's to another."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.access.rule import AccessRule
from domain.agents.ports import AgentProfiles
from domain.agents.sessions import Principal
from domain.calls.callbacks import CallbackPage, CallbackPosition, check_reassignment
from domain.calls.ports import CallbackBook
from service_layer.queues import QueueMaintainer

log = logging.getLogger(__name__)


class NotYourCallbacks(PermissionError):
    """An agent asked for another agent's callbacks."""


class InvalidCallbackQuery(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CallbackDesk:
    book: CallbackBook
    agents: AgentProfiles
    queues: QueueMaintainer
    clock: Callable[[], datetime]

    async def page(self, asker: Principal, *, agent_id: uuid.UUID | None, status: str | None,
                   start: datetime | None, end: datetime | None, first: int,
                   after: CallbackPosition | None) -> CallbackPage:
        """An agent's own (``agent_id`` theirs or omitted); a supervisor's or admin's:
        anyone's, or everyone's with no ``agent_id``."""
        if not AccessRule.sees_everyone(asker.role):
            if agent_id not in (None, asker.agent_id):
                raise NotYourCallbacks("an agent sees only their own callbacks")
            agent_id = asker.agent_id
        if start is not None and end is not None and end <= start:
            raise InvalidCallbackQuery("to must be after from", "to")
        return await self.book.page(agent_id=agent_id, status=status, start=start, end=end,
                                    first=first, after=after)

    async def reassign(self, from_agent_id: uuid.UUID, to_agent_id: uuid.UUID,
                       ids: list[int] | None) -> int:
        """How many pending callbacks moved; InvalidReassignment (nothing changed) for an
        agent who may not take them or an id that is not one of them. The CALLBACK queue
        follows at once (or, should that fail, at the timers' catch-up)."""
        check_reassignment(from_agent_id, to_agent_id, await self.agents.get(to_agent_id), ids)
        moved = await self.book.reassign(from_agent_id, to_agent_id, ids, self.clock())
        users = sorted({c.user_id for c in moved})
        try:
            await self.queues.recompute(users, "callbacks reassigned")
        except Exception:  # noqa: BLE001 - committed and marked owed: the sweep catches up
            log.warning("queue update after a reassignment deferred to the catch-up sweep "
                        "(%d users)", len(users), exc_info=True)
        return len(moved)
