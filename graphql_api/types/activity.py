"""Live activity types pushed over subscriptions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.agents.model import AgentStatusChanged
from graphql_api.types.enums import AgentStatus


@strawberry.type
class AgentActivity:
    agent_id: strawberry.ID
    status: AgentStatus
    previous_status: AgentStatus
    reason: str | None
    occurred_at: datetime

    @classmethod
    def from_event(cls, event: AgentStatusChanged) -> AgentActivity:
        return cls(agent_id=strawberry.ID(str(event.agent_id)), status=event.status,
                   previous_status=event.previous, reason=event.reason,
                   occurred_at=event.occurred_at)
