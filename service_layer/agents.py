"""Use cases for agents: create, log in, change status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.agents.model import (
    Agent,
    AgentStatus,
    InvalidAgent,
    check_new_agent,
    new_agent,
    normalise_email,
)
from domain.agents.ports import PasswordHasher, TokenService
from domain.agents.presence import PauseReasons
from domain.agents.sessions import AgentSession, IssuedToken, Principal
from domain.events import EventPublisher
from domain.unit_of_work import UnitOfWork

LOGIN_FAILED_MESSAGE = "Wrong e-mail or password."


@dataclass(frozen=True, slots=True)
class LoginSucceeded:
    token: IssuedToken
    agent: Agent


@dataclass(frozen=True, slots=True)
class LoginFailed:
    message: str = LOGIN_FAILED_MESSAGE


async def create_agent(uow: UnitOfWork, hasher: PasswordHasher, *, email: str, password: str,
                       name: str, role: str, at: datetime) -> Agent:
    clean_email, clean_name, clean_role = check_new_agent(email, password, name, role)
    async with uow:
        if await uow.agents.get_by_email(clean_email) is not None:
            raise InvalidAgent(f"an agent with e-mail {clean_email!r} already exists")
        agent = new_agent(clean_email, clean_name, clean_role, hasher.hash(password), at)
        uow.agents.add(agent)
        await uow.commit()
    return agent


async def login(uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenService, *,
                email: str, password: str, at: datetime, ip_address: str | None = None,
                user_agent: str | None = None) -> LoginSucceeded | LoginFailed:
    """Never says which of e-mail or password was wrong."""
    try:
        clean_email = normalise_email(email)
    except InvalidAgent:
        clean_email = None
    async with uow:
        agent = await uow.agents.get_by_email(clean_email) if clean_email else None
        matches = hasher.verify(agent.password_hash if agent else None, password or "")
        if agent is None or not matches or not agent.is_active:
            return LoginFailed()
        if hasher.needs_rehash(agent.password_hash):
            agent.password_hash = hasher.hash(password)
        session = AgentSession.start(agent.id, at, tokens.lifetime, ip_address, user_agent)
        uow.agent_sessions.add(session)
        await uow.commit()
    return LoginSucceeded(tokens.issue(Principal(agent.id, agent.role, session.id)), agent)


async def set_status(uow: UnitOfWork, publisher: EventPublisher, *, agent_id: uuid.UUID,
                     status: AgentStatus, reason: str | None, at: datetime,
                     pause_reasons: PauseReasons | None = None) -> Agent:
    """Raises InvalidAgent (nothing changed) for a bad reason, e.g. PAUSED without one."""
    if pause_reasons is not None:
        reason = pause_reasons.check(status, reason)
    async with uow:
        agent = await uow.agents.get(agent_id, for_update=True)
        if agent is None or not agent.is_active:
            raise InvalidAgent("the agent of this token no longer exists or is disabled")
        agent.change_status(status, reason, at)
        await uow.commit()
        events = list(uow.collect_new_events())
    await publisher.publish(events)
    return agent


async def set_queue_types(uow: UnitOfWork, *, agent_id: uuid.UUID,
                          queue_types: frozenset[str] | None) -> Agent:
    """What an agent works (None: every type); raises InvalidAgent for an unknown agent."""
    async with uow:
        agent = await uow.agents.get(agent_id, for_update=True)
        if agent is None:
            raise InvalidAgent(f"there is no agent {agent_id}")
        agent.queue_types = queue_types
        await uow.commit()
    return agent
