"""Live activity types pushed over subscriptions."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from graphql_api.types.enums import AgentStatus


@strawberry.type
class AgentActivity:
    agent_id: strawberry.ID
    status: AgentStatus
    previous_status: AgentStatus
    reason: str | None
    occurred_at: datetime

    @classmethod
    def from_payload(cls, payload: bytes) -> AgentActivity:
        """From an AgentStatusChanged event as the event bus carries it."""
        data = json.loads(payload)
        return cls(agent_id=strawberry.ID(data["agent_id"]), status=AgentStatus(data["status"]),
                   previous_status=AgentStatus(data["previous"]), reason=data["reason"],
                   occurred_at=datetime.fromisoformat(data["occurred_at"]))
