"""Use cases for agents: create, log in, change status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from domain.agents.model import (
    NO_PASSWORD,
    Agent,
    AgentStatus,
    InvalidAgent,
    Role,
    check_identity,
    check_new_agent,
    check_texts_per_hour,
    new_agent,
    normalise_email,
)
from domain.agents.passwords import PasswordPolicy
from domain.agents.ports import PasswordHasher, TokenService
from domain.agents.sessions import AgentSession, IssuedToken, Principal
from domain.events import EventPublisher
from domain.unit_of_work import UnitOfWork
from service_layer.passwords import hash_password, verify_password

if TYPE_CHECKING:  # named in signatures only: `agents create` loads neither
    from domain.agents.presence import PauseReasons
    from service_layer.rate_limits import LoginThrottle

LOGIN_FAILED_MESSAGE = "Wrong e-mail or password."
TEMPORARY_EXPIRED_MESSAGE = "This temporary password has expired; ask an admin for a new one."


@dataclass(frozen=True, slots=True)
class LoginSucceeded:
    token: IssuedToken
    agent: Agent

    @property
    def password_change_required(self) -> bool:
        """A temporary password: the session may only choose a new one (changePassword)."""
        return self.agent.must_change_password


@dataclass(frozen=True, slots=True)
class LoginFailed:
    message: str = LOGIN_FAILED_MESSAGE


@dataclass(frozen=True, slots=True)
class LoginThrottled:
    """Too many failures from this (e-mail, address) lately: try again after this long."""

    retry_after_seconds: int


async def create_agent(uow: UnitOfWork, hasher: PasswordHasher, *, policy: PasswordPolicy,
                       email: str, password: str, name: str, role: str, at: datetime,
                       queue_types: frozenset[str] | None = None) -> Agent:
    """Raises InvalidAgent, creating nothing, naming every problem (the password's against
    ``policy``) or an e-mail already taken."""
    clean_email, clean_name, clean_role = check_new_agent(email, password, name, role, policy)
    password_hash = await hash_password(hasher, password)  # before the transaction opens
    async with uow:
        if await uow.agents.get_by_email(clean_email) is not None:
            raise InvalidAgent(f"an agent with e-mail {clean_email!r} already exists",
                               "email")
        agent = new_agent(clean_email, clean_name, clean_role, password_hash, at)
        agent.queue_types = queue_types
        uow.agents.add(agent)
        await uow.commit()
    return agent


async def login(uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenService, *,
                email: str, password: str, at: datetime, ip_address: str | None = None,
                user_agent: str | None = None, throttle: LoginThrottle | None = None,
                ) -> LoginSucceeded | LoginFailed | LoginThrottled:
    """Never says which of e-mail or password was wrong. While ``throttle`` holds this
    (e-mail, address) back, the password is not even checked. ``uow`` is entered twice:
    to read the agent, and (the password matching) to open the session."""
    if throttle is not None and (refusal := await throttle.attempt(email, ip_address)):
        return LoginThrottled(refusal.retry_after_seconds)
    try:
        clean_email = normalise_email(email)
    except InvalidAgent:
        clean_email = None
    async with uow:
        found = await uow.agents.get_by_email(clean_email) if clean_email else None
    # argon2 runs in a thread with no connection held: a burst of logins neither stalls
    # the loop nor holds the pool.
    matches = await verify_password(hasher, found.password_hash if found else None,
                                    password or "")
    succeeded = None
    if found is not None and matches and found.is_active and _expired(found, at):
        return LoginFailed(TEMPORARY_EXPIRED_MESSAGE)
    if found is not None and matches and found.is_active:
        succeeded = await _start_session(uow, hasher, tokens, found, password, at,
                                         ip_address, user_agent)
    if succeeded is None:
        return LoginFailed()
    if throttle is not None:
        await throttle.succeeded(email, ip_address)
    return succeeded


async def _start_session(uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenService,
                         checked: Agent, password: str, at: datetime, ip_address: str | None,
                         user_agent: str | None) -> LoginSucceeded | None:
    """A session for an agent whose password matched; None when the agent was disabled
    or given another password while it was being checked."""
    rehashed = await hash_password(hasher, password) if hasher.needs_rehash(
        checked.password_hash) else None
    async with uow:
        agent = await uow.agents.get(checked.id, for_update=True)
        if agent is None or not agent.is_active or agent.password_hash != checked.password_hash:
            return None
        if rehashed is not None:
            agent.password_hash = rehashed
        agent.last_login_at = at
        session = AgentSession.start(agent.id, at, tokens.lifetime, ip_address, user_agent)
        uow.agent_sessions.add(session)
        await uow.commit()
    return LoginSucceeded(tokens.issue(Principal(agent.id, agent.role, session.id)), agent)


def _expired(agent: Agent, at: datetime) -> bool:
    """A temporary password past its time (an agent's own password never expires)."""
    return agent.must_change_password and (agent.password_expires_at is None
                                           or agent.password_expires_at <= at)


async def create_automated_agent(uow: UnitOfWork, *, email: str, name: str,
                                 texts_per_hour: int | None, available: bool,
                                 at: datetime) -> Agent:
    """An automated (AI) agent: role AGENT, no password (it never logs in), OFFLINE until
    a supervisor sets it AVAILABLE (``available``: at once)."""
    clean_email, clean_name, _ = check_identity(email, name, Role.AGENT.value)
    cap = None if texts_per_hour is None else check_texts_per_hour(texts_per_hour)
    async with uow:
        if await uow.agents.get_by_email(clean_email) is not None:
            raise InvalidAgent(f"an agent with e-mail {clean_email!r} already exists",
                               "email")
        agent = new_agent(clean_email, clean_name, Role.AGENT, NO_PASSWORD, at)
        agent.automated, agent.texts_per_hour = True, cap
        if available:
            agent.status = AgentStatus.AVAILABLE
        uow.agents.add(agent)
        await uow.commit()
    return agent


async def set_texts_per_hour(uow: UnitOfWork, *, agent_id: uuid.UUID,
                             texts_per_hour: int | None) -> Agent:
    """An automated agent's hourly cap (None: the default); InvalidAgent for a person, an
    unknown agent or a cap out of range, changing nothing."""
    cap = None if texts_per_hour is None else check_texts_per_hour(texts_per_hour)
    async with uow:
        agent = await uow.agents.get(agent_id, for_update=True)
        if agent is None or not agent.automated:
            raise InvalidAgent(f"there is no automated agent {agent_id}")
        agent.texts_per_hour = cap
        await uow.commit()
    return agent


async def set_status(uow: UnitOfWork, publisher: EventPublisher, *, agent_id: uuid.UUID,
                     status: AgentStatus, reason: str | None, at: datetime,
                     pause_reasons: PauseReasons | None = None,
                     automated_only: bool = False) -> Agent:
    """Raises InvalidAgent (nothing changed) for a bad reason, e.g. PAUSED without one.

    ``automated_only``: a supervisor setting another agent's status, which only an
    automated agent's may be (a person sets their own)."""
    if pause_reasons is not None:
        reason = pause_reasons.check(status, reason)
    async with uow:
        agent = await uow.agents.get(agent_id, for_update=True)
        if agent is None or not agent.is_active:
            raise InvalidAgent("the agent of this token no longer exists or is disabled"
                               if not automated_only else f"there is no agent {agent_id}")
        if automated_only and not agent.automated:
            raise InvalidAgent("only an automated agent's status may be set by someone else; "
                               "a person sets their own")
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
