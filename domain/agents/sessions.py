"""An agent's logged-in session and who a request acts as."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.agents.model import Role


@dataclass(slots=True)
class AgentSession:
    id: uuid.UUID
    agent_id: uuid.UUID
    started_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    end_reason: str | None = None  # presence.LOGGED_OUT or presence.IDLE

    @classmethod
    def start(cls, agent_id: uuid.UUID, at: datetime, lifetime: timedelta,
              ip_address: str | None = None, user_agent: str | None = None) -> AgentSession:
        return cls(uuid.uuid4(), agent_id, at, at, at + lifetime, None,
                   ip_address[:64] if ip_address else None,
                   user_agent[:300] if user_agent else None)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as, from a verified token."""

    agent_id: uuid.UUID
    role: Role
    session_id: uuid.UUID | None = None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime
