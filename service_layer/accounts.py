"""Admins keep the accounts (list, create, change, reset a password); every person
changes their own password."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.agents.model import Agent, InvalidAgent, Role
from domain.agents.passwords import PasswordPolicy, TemporaryPassword, temporary_expiry
from domain.agents.ports import (
    AgentDirectory,
    AgentPage,
    AgentPosition,
    PasswordHasher,
    PresenceStore,
)
from domain.agents.presence import PASSWORD_RESET
from domain.events import EventPublisher
from domain.unit_of_work import UnitOfWork
from service_layer.agent_admin import AgentChanges, AgentUpdated, end_access, update_agent
from service_layer.agents import create_agent
from service_layer.passwords import hash_password, verify_password
from service_layer.rate_limits import LoginThrottle

# 12 random bytes: 16 URL-safe characters, past any policy's minimum and beyond guessing.
_TEMPORARY_BYTES = 12


class PasswordGuessesThrottled(Exception):
    def __init__(self, retry_after_seconds: int):
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class Accounts:
    uow: Callable[[], UnitOfWork]
    hasher: PasswordHasher
    policy: PasswordPolicy
    directory: AgentDirectory
    sessions: PresenceStore
    events: EventPublisher
    clock: Callable[[], datetime]

    async def page(self, *, first: int, after: AgentPosition | None, role: Role | None,
                   active: bool | None) -> AgentPage:
        return await self.directory.page(first=first, after=after, role=role, active=active)

    async def create(self, *, email: str, name: str, role: str, password: str,
                     queue_types: frozenset[str] | None) -> Agent:
        """Raises InvalidAgent, creating nothing."""
        return await create_agent(self.uow(), self.hasher, policy=self.policy, email=email,
                                  password=password, name=name, role=role, at=self.clock(),
                                  queue_types=queue_types)

    async def update(self, agent_id: uuid.UUID, changes: AgentChanges) -> AgentUpdated:
        """Raises InvalidAgent, changing nothing; a role change or a disabling logs the
        agent out everywhere at once."""
        return await update_agent(self.uow(), self.sessions, self.events, changes=changes,
                                  at=self.clock(), agent_id=agent_id)

    async def reset_password(self, agent_id: uuid.UUID) -> TemporaryPassword:
        """A new temporary password; the agent's sessions end. Raises InvalidAgent for an
        unknown or automated agent (which never logs in), changing nothing."""
        password = secrets.token_urlsafe(_TEMPORARY_BYTES)
        password_hash = await hash_password(self.hasher, password)
        at = self.clock()
        async with self.uow() as uow:
            agent = await uow.agents.get(agent_id, for_update=True)
            if agent is None or agent.automated:
                raise InvalidAgent(f"there is no agent {agent_id} with a password to reset",
                                   "id")
            agent.password_hash, agent.must_change_password = password_hash, True
            agent.password_expires_at = temporary_expiry(at)
            await uow.commit()
        await end_access(self.sessions, self.events, [agent_id], PASSWORD_RESET, at)
        return TemporaryPassword(password, agent.password_expires_at)

    async def change_password(self, agent_id: uuid.UUID, current: str, new: str, *,
                              address: str | None = None,
                              throttle: LoginThrottle | None = None) -> datetime:
        """The holder's own password, given the current one; raises InvalidAgent naming
        the argument at fault ("current", "new"), changing nothing. A temporary password
        changed, the agent's sessions may do everything again.

        A wrong current password counts as a failed login of the agent's e-mail from this
        address (``throttle``): a token left on a desk is no way to guess the password.
        While that pair is backed off, raises PasswordGuessesThrottled unchecked."""
        async with self.uow() as uow:
            agent = await uow.agents.get(agent_id)
        if agent is None:
            raise InvalidAgent("the agent of this token no longer exists", "current")
        problems = self.policy.problems(new, email=agent.email, name=agent.name)
        if new == current:
            problems.append("the new password must differ from the current one")
        if problems:
            raise InvalidAgent("; ".join(problems), "new")
        if throttle is not None and (refusal := await throttle.attempt(agent.email, address)):
            raise PasswordGuessesThrottled(refusal.retry_after_seconds)
        if not await verify_password(self.hasher, agent.password_hash, current):
            raise InvalidAgent("the current password is wrong", "current")
        if throttle is not None:
            await throttle.succeeded(agent.email, address)
        new_hash = await hash_password(self.hasher, new)
        at = self.clock()
        async with self.uow() as uow:
            locked = await uow.agents.get(agent_id, for_update=True)
            if locked is None or locked.password_hash != agent.password_hash:
                raise InvalidAgent("the password was changed meanwhile; try again", "current")
            locked.password_hash, locked.must_change_password = new_hash, False
            locked.password_expires_at = None
            await uow.commit()
        return at
