"""Changing an agent's account, and what must follow at once.

Disabling an agent, or changing their role, ends every session they have (their tokens are
refused from the next request), returns their leads to the queue and sends them OFFLINE:
whoever holds the account logs in again, as what they now are. Every API process closes the
agent's live sockets on the notice (AccessChanged), or at its next sweep if the notice is
lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.agents.model import Agent, InvalidAgent, check_name, normalise_email, parse_role
from domain.agents.ports import PresenceStore
from domain.agents.presence import DISABLED, ROLE_CHANGED
from domain.agents.sessions import AccessChanged
from domain.events import EventPublisher
from domain.unit_of_work import UnitOfWork
from service_layer.sessions import ended_events


@dataclass(frozen=True, slots=True)
class AgentChanges:
    """What to change (None: unchanged). ``queue_types_given`` with ``queue_types`` None:
    every type."""

    name: str | None = None
    role: str | None = None
    active: bool | None = None
    queue_types: frozenset[str] | None = None
    queue_types_given: bool = False

    def empty(self) -> bool:
        return (self.name, self.role, self.active) == (None, None, None) \
            and not self.queue_types_given


@dataclass(frozen=True, slots=True)
class AgentUpdated:
    agent: Agent
    role_changed: bool
    sessions_ended: int = 0
    leads_released: int = 0


async def update_agent(uow: UnitOfWork, sessions: PresenceStore,
                       events: EventPublisher | None, *, changes: AgentChanges, at: datetime,
                       email: str | None = None,
                       agent_id: uuid.UUID | None = None) -> AgentUpdated:
    """Changes the agent with this e-mail or id.

    Raises InvalidAgent, changing nothing, for a bad name or role, an unknown agent or
    nothing to change. Disabling an agent who is disabled already ends whatever they still
    hold (sessions, leads), so it may be repeated after a failure. Without ``events`` (no
    Redis to reach) nothing is announced: each API process's sweep closes the sockets."""
    if changes.empty():
        raise InvalidAgent("nothing to change: give a name, a role, an active flag or "
                           "queue types")
    name = check_name(changes.name) if changes.name is not None else None
    role = parse_role(changes.role) if changes.role is not None else None
    async with uow:
        agent = await _locked(uow, email, agent_id)
        role_changed = role is not None and role is not agent.role
        agent.name, agent.role = name or agent.name, role or agent.role
        agent.is_active = agent.is_active if changes.active is None else changes.active
        if changes.queue_types_given:
            agent.queue_types = changes.queue_types
        await uow.commit()
    why = DISABLED if not agent.is_active else ROLE_CHANGED if role_changed else None
    if why is None:
        return AgentUpdated(agent, role_changed)
    ended, released = await end_access(sessions, events, [agent.id], why, at)
    return AgentUpdated(agent, role_changed, ended, released)


async def _locked(uow: UnitOfWork, email: str | None, agent_id: uuid.UUID | None) -> Agent:
    if (email is None) == (agent_id is None):
        raise ValueError("name the agent by e-mail or by id: exactly one")
    if agent_id is not None:
        agent = await uow.agents.get(agent_id, for_update=True)
        if agent is None:
            raise InvalidAgent(f"there is no agent {agent_id}", "id")
        return agent
    clean_email = normalise_email(email or "")
    agent = (await uow.agents.get_by_emails([clean_email], for_update=True)).get(clean_email)
    if agent is None:
        raise InvalidAgent(f"there is no agent with e-mail {clean_email!r}")
    return agent


async def end_access(sessions: PresenceStore, events: EventPublisher | None,
                     agent_ids: Iterable[uuid.UUID], why: str,
                     at: datetime) -> tuple[int, int]:
    """Ends these agents' sessions (``why``: DISABLED, ROLE_CHANGED, PASSWORD_RESET),
    releases their leads and closes their live sockets everywhere; (sessions ended, leads
    released)."""
    ended_count = released = 0
    for agent_id in dict.fromkeys(agent_ids):
        ended = await sessions.end_sessions(at=at, reason=why, agent_id=agent_id)
        ended_count, released = ended_count + ended.sessions, released + len(ended.released)
        if events is not None:
            await events.publish(ended_events(
                ended, AccessChanged(why, (agent_id,), (), at), at))
    return ended_count, released
