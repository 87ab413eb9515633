"""Thin resolvers of keeping accounts (ADMIN) and of changing one's own password."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.types import Info

from domain.agents.model import Agent, InvalidAgent
from domain.agents.ports import AgentPosition
from domain.queue.model import QueueType as DomainQueueType
from graphql_api.errors import BadUserInput, RateLimited
from graphql_api.ids import uuid_id
from graphql_api.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from graphql_api.types.accounts import (
    AgentConnection,
    AgentEdge,
    AgentRejected,
    AgentResult,
    AgentSaved,
    CreateAgentInput,
    PasswordChanged,
    PasswordChangeResult,
    TemporaryPasswordType,
    UpdateAgentInput,
)
from graphql_api.types.agents import AgentType
from graphql_api.types.enums import Role
from graphql_api.types.queue import QueueType
from service_layer.accounts import PasswordGuessesThrottled
from service_layer.agent_admin import AgentChanges

CURSOR = "agent1"


async def agents(info: Info, first: int, after: str | None = None, role: Role | None = None,
                 active: bool | None = None) -> AgentConnection:
    """By name, then id."""
    check_first(first)
    page = await info.context.services.accounts.page(
        first=first, after=_position(after) if after else None, role=role, active=active)
    edges = [AgentEdge(cursor=_cursor(a), node=AgentType.from_domain(a)) for a in page.agents]
    return AgentConnection(total_count=page.total, edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def create_agent(info: Info, input: CreateAgentInput) -> AgentResult:
    try:
        agent = await info.context.services.accounts.create(
            email=input.email, name=input.name, role=input.role.value,
            password=input.password, queue_types=_queue_types(input.queue_types))
    except InvalidAgent as exc:
        return AgentRejected(field=exc.field, message=str(exc))
    return AgentSaved(agent=AgentType.from_domain(agent))


async def update_agent(info: Info, id: strawberry.ID, input: UpdateAgentInput) -> AgentResult:
    given = input.queue_types is not strawberry.UNSET
    changes = AgentChanges(
        name=input.name, role=input.role.value if input.role else None, active=input.active,
        queue_types=_queue_types(input.queue_types) if given else None,
        queue_types_given=given)
    try:
        done = await info.context.services.accounts.update(uuid_id(id, "id"), changes)
    except InvalidAgent as exc:
        return AgentRejected(field=exc.field, message=str(exc))
    return AgentSaved(agent=AgentType.from_domain(done.agent))


async def reset_agent_password(info: Info, id: strawberry.ID) -> TemporaryPasswordType:
    try:
        given = await info.context.services.accounts.reset_password(uuid_id(id, "id"))
    except InvalidAgent as exc:
        raise BadUserInput(str(exc), field="id") from exc
    return TemporaryPasswordType(temporary_password=given.password,
                                 expires_at=given.expires_at)


async def change_password(info: Info, current: str, new: str) -> PasswordChangeResult:
    ctx = info.context
    try:
        at = await ctx.services.accounts.change_password(
            ctx.require_principal().agent_id, current, new, address=ctx.client_ip,
            throttle=ctx.services.rate_limits.logins)
    except InvalidAgent as exc:
        return AgentRejected(field=exc.field, message=str(exc))
    except PasswordGuessesThrottled as exc:
        raise RateLimited("too many wrong passwords for this account from this address: the "
                          f"password was not checked; try again in {exc.retry_after_seconds} s",
                          exc.retry_after_seconds) from exc
    return PasswordChanged(changed_at=at)


def _queue_types(given: list[QueueType] | None) -> frozenset[str] | None:
    """Queue types as the domain keeps them; an empty list is refused (null means all)."""
    if given is None:
        return None
    if not given:
        raise BadUserInput("queueTypes must name at least one queue, or be null for all",
                           field="queueTypes")
    return frozenset(DomainQueueType(t).value for t in given)


def _cursor(agent: Agent) -> str:
    # The name in hex: a name may hold the cursor's separator.
    return encode_cursor(CURSOR, agent.id, agent.name.encode().hex())


def _position(after: str) -> AgentPosition:
    agent_id, name = decode_cursor(CURSOR, after, (uuid.UUID, _unhex))
    return AgentPosition(name, agent_id)


def _unhex(text: str) -> str:
    return bytes.fromhex(text).decode()  # ValueError (UnicodeError is one): not a cursor
