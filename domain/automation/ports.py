"""What automated agents need from storage."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

from domain.agents.model import Agent
from domain.queue.leads import Lease


class AutomatedWork(abc.ABC):
    """The automated agents, their texts, and their leases; each call one transaction."""

    @abc.abstractmethod
    async def agents(self) -> list[Agent]:
        """The active automated agents, in name order."""

    @abc.abstractmethod
    async def texts_since(self, agent_id: uuid.UUID, since: datetime) -> int:
        """The texts the agent has sent since ``since``."""

    @abc.abstractmethod
    async def lease(self, agent_id: uuid.UUID, now: datetime, length: timedelta,
                    share_percent: int, skip: Collection[int]) -> Lease | None:
        """Leases the most urgent callable UNSIGNED entry in the share (domain.automation
        .policy.in_share) that is not in ``skip``, as lease_next does for a person."""

    @abc.abstractmethod
    async def end_lease(self, lease_id: uuid.UUID, agent_id: uuid.UUID, reason: str,
                        rest_until: datetime | None, now: datetime) -> int | None:
        """Ends the agent's lease; with ``rest_until``, the user is neither texted nor called
        before then (kept with their call history, so every recompute keeps it). The user
        id, with their queue update owed; None when the lease was not theirs to end."""

    @abc.abstractmethod
    async def automated_sender(self, user_id: int, since: datetime) -> uuid.UUID | None:
        """The automated agent that sent the user's last text from an agent since ``since``,
        if it was an automated one: its conversation the reply belongs to."""
