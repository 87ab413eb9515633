"""An agent's logged-in session and who a request acts as."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from domain.agents.model import Agent, Role


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
    end_reason: str | None = None  # presence.LOGGED_OUT, IDLE or DISABLED

    @classmethod
    def start(cls, agent_id: uuid.UUID, at: datetime, lifetime: timedelta,
              ip_address: str | None = None, user_agent: str | None = None) -> AgentSession:
        return cls(uuid.uuid4(), agent_id, at, at, at + lifetime, None,
                   ip_address[:64] if ip_address else None,
                   user_agent[:300] if user_agent else None)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: from a verified token, with the agent's role as it is now."""

    agent_id: uuid.UUID
    role: Role
    session_id: uuid.UUID | None = None
    # When the token stops working (None: not known, as for a principal not yet issued).
    expires_at: datetime | None = field(default=None, compare=False)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


# Why a principal is refused, as UNAUTHENTICATED's stable ``reason``.
SESSION_ENDED = "SESSION_ENDED"
AGENT_GONE = "AGENT_GONE"
AGENT_DISABLED = "AGENT_DISABLED"
TOKEN_EXPIRED = "TOKEN_EXPIRED"
_REFUSED_BECAUSE = {
    AGENT_GONE: "the agent of this token no longer exists",
    AGENT_DISABLED: "this agent is disabled; ask a supervisor",
    SESSION_ENDED: "this session has ended; log in again",
}


@dataclass(frozen=True, slots=True)
class Standing:
    """An agent and a token's session as they are now: what every request is checked on."""

    role: Role | None  # None: there is no such agent
    active: bool = False
    session_live: bool = False  # True too for a token without a session (nothing to end)
    agent: Agent | None = None  # the whole row, when one agent's standing was read

    def refusal(self) -> str | None:
        """Why a token with this standing is refused (a reason above), or None."""
        if self.role is None:
            return AGENT_GONE
        if not self.active:
            return AGENT_DISABLED
        return None if self.session_live else SESSION_ENDED

    def apply_to(self, principal: Principal) -> Principal:
        """The principal with the agent's current role (call when refusal() is None)."""
        if self.role is None or self.role is principal.role:
            return principal
        return replace(principal, role=self.role)


def refusal_message(reason: str) -> str:
    return _REFUSED_BECAUSE.get(reason, "this token no longer works; log in again")


@dataclass(frozen=True, slots=True)
class AccessChanged:
    """Domain event: sessions ended, or agents' role or active flag changed; whatever they
    hold open (live subscriptions) is closed, and the next request sees the change.

    ``why`` is one of presence.LOGGED_OUT, IDLE, DISABLED, ROLE_CHANGED. Ended sessions
    name their session ids; an agent-wide change names no session (all of theirs)."""

    why: str
    agent_ids: tuple[uuid.UUID, ...]
    session_ids: tuple[uuid.UUID, ...] = ()
    occurred_at: datetime | None = None

    def touches(self, agent_id: uuid.UUID, session_id: uuid.UUID | None) -> bool:
        if agent_id not in self.agent_ids:
            return False
        return not self.session_ids or session_id in self.session_ids


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime
