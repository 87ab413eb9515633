"""What the agents module needs from the outside world."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.agents.model import Agent, AgentStatus, AgentStatusChanged, Role
from domain.agents.sessions import AgentSession, IssuedToken, Principal, Standing


class AgentProfiles(abc.ABC):
    """Agents read as they are now, outside any unit of work (the per-request checks)."""

    @abc.abstractmethod
    async def get(self, agent_id: uuid.UUID) -> Agent | None: ...


@dataclass(frozen=True, slots=True)
class AgentPosition:
    """Where a page of agents ends: agents come by name, then id."""

    name: str
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class AgentPage:
    agents: list[Agent]
    total: int  # every agent the filters keep, on any page
    has_next: bool


class AgentDirectory(abc.ABC):
    """Every account, for the admins who keep them (a read outside any unit of work)."""

    @abc.abstractmethod
    async def page(self, *, first: int, after: AgentPosition | None, role: Role | None,
                   active: bool | None) -> AgentPage: ...


class AgentRepository(abc.ABC):
    """Agents by id or e-mail; every agent loaded or added is tracked for its events."""

    def __init__(self) -> None:
        self._tracked: dict[uuid.UUID, Agent] = {}

    def add(self, agent: Agent) -> None:
        self._add(agent)
        self._tracked[agent.id] = agent

    async def get(self, agent_id: uuid.UUID, *, for_update: bool = False) -> Agent | None:
        agent = await self._get(agent_id, for_update)
        return self._track(agent)

    async def get_by_email(self, email: str) -> Agent | None:
        return self._track(await self._get_by_email(email))

    async def get_by_emails(self, emails, *, for_update: bool = False) -> dict[str, Agent]:
        """The agents with these (normalised) e-mails, in one read, tracked; by e-mail."""
        found = await self._get_by_emails(sorted(set(emails)), for_update)
        return {agent.email: self._track(agent) for agent in found}

    async def get_many(self, agent_ids) -> dict[uuid.UUID, Agent]:
        """Read-only batch load (not tracked for changes)."""
        return await self._get_many(list(agent_ids))

    def tracked(self) -> list[Agent]:
        return list(self._tracked.values())

    def _track(self, agent: Agent | None) -> Agent | None:
        if agent is not None:
            agent = self._tracked.setdefault(agent.id, agent)
        return agent

    @abc.abstractmethod
    def _add(self, agent: Agent) -> None: ...

    @abc.abstractmethod
    async def _get(self, agent_id: uuid.UUID, for_update: bool) -> Agent | None: ...

    @abc.abstractmethod
    async def _get_by_email(self, email: str) -> Agent | None: ...

    @abc.abstractmethod
    async def _get_many(self, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, Agent]: ...

    @abc.abstractmethod
    async def _get_by_emails(self, emails: list[str], for_update: bool) -> list[Agent]: ...


class AgentSessionRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, session: AgentSession) -> None: ...

    @abc.abstractmethod
    async def get(self, session_id: uuid.UUID) -> AgentSession | None: ...


class PasswordHasher(abc.ABC):
    @abc.abstractmethod
    def hash(self, password: str) -> str: ...

    @abc.abstractmethod
    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; never raises for a mismatch."""

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class TokenService(abc.ABC):
    @property
    @abc.abstractmethod
    def lifetime(self) -> timedelta: ...

    @abc.abstractmethod
    def issue(self, principal: Principal) -> IssuedToken: ...

    @abc.abstractmethod
    def verify(self, token: str) -> Principal:
        """The principal of a valid token; raises InvalidToken otherwise."""


class InvalidToken(Exception):
    """A bearer token that is malformed, forged or expired; ``code`` is stable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class PresenceStore(abc.ABC):
    """Sessions and statuses changed in bulk (heartbeats, logouts, idle sweeps, wrap-up)."""

    @abc.abstractmethod
    async def standing(self, agent_id: uuid.UUID, session_id: uuid.UUID | None) -> Standing:
        """The agent's current role and active flag, and whether the session (if any) has
        not ended: one read, made for every request."""

    @abc.abstractmethod
    async def standings(self, keys: Collection[tuple[uuid.UUID, uuid.UUID | None]]
                        ) -> dict[tuple[uuid.UUID, uuid.UUID | None], Standing]:
        """standing() of many (agent, session) pairs in one read; every key is answered."""

    @abc.abstractmethod
    async def touch(self, session_id: uuid.UUID, agent_id: uuid.UUID,
                    at: datetime) -> AgentSession | None:
        """Records a heartbeat; None when the session is not the agent's or has ended."""

    @abc.abstractmethod
    async def end_sessions(self, *, at: datetime, reason: str,
                           session_id: uuid.UUID | None = None,
                           idle_before: datetime | None = None,
                           agent_id: uuid.UUID | None = None) -> SessionsEnded:
        """Ends one session, every live one idle since before ``idle_before``, or every live
        one of one agent; agents left with no live session (and that agent, whatever it
        had) go OFFLINE and their leases return to the queue."""

    @abc.abstractmethod
    async def move_status(self, *, to: AgentStatus, reason: str, at: datetime,
                          from_statuses: set[AgentStatus], agent_id: uuid.UUID | None = None,
                          since_before: datetime | None = None) -> list[AgentStatusChanged]:
        """Moves one agent (or every agent in ``from_statuses`` since before
        ``since_before``) to ``to`` with its history; the changes made."""


@dataclass(frozen=True, slots=True)
class ReleasedLead:
    user_id: int
    queue_type: str
    score: float


@dataclass(frozen=True, slots=True)
class SessionsEnded:
    sessions: int
    offline: list[AgentStatusChanged] = field(default_factory=list)
    released: list[ReleasedLead] = field(default_factory=list)
    session_ids: list[uuid.UUID] = field(default_factory=list)
    agent_ids: list[uuid.UUID] = field(default_factory=list)  # whose sessions ended
