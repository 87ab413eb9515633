"""GraphQL types of an agent's logged-in session."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.agents.sessions import AgentSession


@strawberry.type(name="AgentSession")
class AgentSessionType:
    id: strawberry.ID
    started_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    idle_timeout_seconds: int = strawberry.field(
        description="Without a heartbeat for this long the session is closed.")

    @classmethod
    def from_domain(cls, s: AgentSession, idle_seconds: int) -> AgentSessionType:
        return cls(id=strawberry.ID(str(s.id)), started_at=s.started_at,
                   last_seen_at=s.last_seen_at, expires_at=s.expires_at,
                   idle_timeout_seconds=idle_seconds)
