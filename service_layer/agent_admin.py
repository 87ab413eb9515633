"""Changing an agent's role or active flag, and what must follow at once.

Disabling an agent ends every session they have (their tokens are refused from the next
request), returns their leads to the queue and sends them OFFLINE. A new role holds from
the agent's next request, with the same token. Either way every API process closes the
agent's live sockets on the notice (AccessChanged), or at its next sweep if the notice is
lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.agents.model import Agent, InvalidAgent, normalise_email, parse_role
from domain.agents.ports import PresenceStore
from domain.agents.presence import DISABLED, ROLE_CHANGED
from domain.agents.sessions import AccessChanged
from domain.events import EventPublisher
from domain.unit_of_work import UnitOfWork
from service_layer.sessions import ended_events


@dataclass(frozen=True, slots=True)
class AgentUpdated:
    agent: Agent
    role_changed: bool
    sessions_ended: int = 0
    leads_released: int = 0


async def update_agent(uow: UnitOfWork, sessions: PresenceStore,
                       events: EventPublisher | None, *, email: str, at: datetime,
                       role: str | None = None, active: bool | None = None) -> AgentUpdated:
    """Sets the role and/or active flag of the agent with this e-mail.

    Raises InvalidAgent, changing nothing, for a bad role, an unknown e-mail or nothing to
    change. Disabling an agent who is disabled already ends whatever they still hold
    (sessions, leads), so it may be repeated after a failure. Without ``events`` (no Redis
    to reach) nothing is announced: each API process's sweep closes the sockets."""
    clean_role = parse_role(role) if role is not None else None
    if clean_role is None and active is None:
        raise InvalidAgent("nothing to change: give a role or an active flag")
    clean_email = normalise_email(email)
    async with uow:
        agent = (await uow.agents.get_by_emails([clean_email], for_update=True)).get(clean_email)
        if agent is None:
            raise InvalidAgent(f"there is no agent with e-mail {clean_email!r}")
        role_changed = clean_role is not None and clean_role is not agent.role
        agent.role = clean_role or agent.role
        agent.is_active = agent.is_active if active is None else active
        await uow.commit()
    if not agent.is_active:
        ended = await sessions.end_sessions(at=at, reason=DISABLED, agent_id=agent.id)
        if events is not None:
            await events.publish(ended_events(
                ended, AccessChanged(DISABLED, (agent.id,), (), at), at))
        return AgentUpdated(agent, role_changed, ended.sessions, len(ended.released))
    if role_changed and events is not None:
        await announce_role_changes(events, [agent.id], at)
    return AgentUpdated(agent, role_changed)


async def announce_role_changes(events: EventPublisher, agent_ids: Iterable[uuid.UUID],
                                at: datetime) -> None:
    """Agents whose role changed: every process closes their live sockets (their sessions
    go on, in the new role)."""
    ids = tuple(dict.fromkeys(agent_ids))
    if ids:
        await events.publish([AccessChanged(ROLE_CHANGED, ids, (), at)])
