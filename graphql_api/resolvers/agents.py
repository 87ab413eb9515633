"""Thin resolvers for logging in and an agent's own status."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.agents.model import AgentStatus, InvalidAgent, Role
from domain.queue.model import QueueType as DomainQueueType
from graphql_api import limits
from graphql_api.errors import BadUserInput, Forbidden, Unauthenticated
from graphql_api.ids import uuid_id
from graphql_api.types.agents import AgentType, LoginFailed, LoginResult, LoginSucceeded
from graphql_api.types.queue import QueueType
from graphql_api.types.sessions import AgentSessionType
from service_layer import agents as use_cases


async def login(info: Info, email: str, password: str) -> LoginResult:
    ctx = info.context
    s = ctx.services
    result = limits.unless_throttled(await use_cases.login(
        s.uow(), s.hasher, s.tokens, email=email, password=password, at=s.clock(),
        ip_address=ctx.client_ip, user_agent=ctx.user_agent, throttle=s.rate_limits.logins))
    if isinstance(result, use_cases.LoginFailed):
        return LoginFailed(message=result.message)
    return LoginSucceeded(token=result.token.token, expires_at=result.token.expires_at,
                          agent=AgentType.from_domain(result.agent),
                          password_change_required=result.password_change_required)


async def me(info: Info) -> AgentType:
    principal = info.context.require_principal()
    agent = await info.context.agents.get(principal.agent_id)
    if agent is None or not agent.is_active:
        raise Unauthenticated("the agent of this token no longer exists or is disabled",
                              reason="AGENT_GONE")
    return AgentType.from_domain(agent)


async def set_agent_status(info: Info, status: AgentStatus,
                           reason: str | None = strawberry.UNSET,
                           agent_id: Annotated[strawberry.ID | None, strawberry.argument(
                               description="An automated agent's id: a SUPERVISOR or ADMIN "
                               "starts or pauses it. Omitted: your own.")] = None,
                           ) -> AgentType:
    principal = info.context.require_principal()
    s = info.context.services
    target = uuid_id(agent_id, "agentId") if agent_id else principal.agent_id
    other = target != principal.agent_id
    if other and not principal.has_role(Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("only a SUPERVISOR or ADMIN may set another agent's status")
    try:
        agent = await use_cases.set_status(
            s.uow(), s.events, agent_id=target, status=status, reason=reason or None,
            at=s.clock(), pause_reasons=s.presence.pause_reasons, automated_only=other)
    except InvalidAgent as exc:
        raise BadUserInput(str(exc), field="agentId" if other else "reason") from exc
    return AgentType.from_domain(agent)


async def set_automated_agent_limit(info: Info, agent_id: strawberry.ID,
                                    texts_per_hour: int | None) -> AgentType:
    """An automated agent's cap on texts an hour (SUPERVISOR, ADMIN); null: the default."""
    try:
        agent = await use_cases.set_texts_per_hour(
            info.context.services.uow(), agent_id=uuid_id(agent_id, "agentId"),
            texts_per_hour=texts_per_hour)
    except InvalidAgent as exc:
        raise BadUserInput(str(exc), field=exc.field or "agentId") from exc
    return AgentType.from_domain(agent)


async def set_agent_queue_types(info: Info, agent_id: strawberry.ID,
                                queue_types: list[QueueType] | None) -> AgentType:
    """null: every queue type (how a new agent starts)."""
    target = uuid_id(agent_id, "agentId")
    if queue_types is not None and not queue_types:
        raise BadUserInput("queueTypes must name at least one queue, or be null for all",
                           field="queueTypes")
    types = frozenset(DomainQueueType(t).value for t in queue_types) if queue_types else None
    try:
        agent = await use_cases.set_queue_types(info.context.services.uow(), agent_id=target,
                                                queue_types=types)
    except InvalidAgent as exc:
        raise BadUserInput(str(exc), field="agentId") from exc
    return AgentType.from_domain(agent)


async def heartbeat(info: Info) -> AgentSessionType:
    """Keeps the token's session open; the desktop and wallboard send one every ~30 s."""
    s = info.context.services
    session = await s.presence.heartbeat(info.context.require_principal())
    if session is None:
        raise BadUserInput("this token has no session to keep alive (log in for one)",
                           field="Authorization")
    return AgentSessionType.from_domain(session, s.settings.session_idle_seconds)


async def logout(info: Info) -> bool:
    """Ends the token's session: the token stops working at once, in every process."""
    return await info.context.services.presence.logout(info.context.require_principal())


async def pause_reasons(info: Info) -> list[str]:
    return list(info.context.services.presence.pause_reasons.allowed)
