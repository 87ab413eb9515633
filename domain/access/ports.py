"""What the access rule reads."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Sequence
from datetime import datetime

from domain.access.rule import TieRecord


class WorkTies(abc.ABC):
    """The records that may tie one agent to some users."""

    @abc.abstractmethod
    async def of_agent(self, agent_id: uuid.UUID, user_ids: Sequence[int],
                       since: datetime) -> list[TieRecord]:
        """Of these users: the agent's open leases and pending callbacks, the inbound calls
        that rang them and their calls, dispositions and SMS, both since ``since``."""
