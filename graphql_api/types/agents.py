"""GraphQL types of agents and logging in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain.agents.model import Agent
from graphql_api.types.enums import AgentStatus, Role


@strawberry.type(name="Agent")
class AgentType:
    id: strawberry.ID
    name: str
    email: str
    role: Role
    status: AgentStatus
    status_reason: str | None
    status_since: datetime | None
    queue_types: list[str] | None = strawberry.field(
        description="The queue types this agent works; null: every type.")
    automated: bool = strawberry.field(
        description="An automated (AI) agent: it texts customers from the worker.")
    texts_per_hour: int | None = strawberry.field(
        description="An automated agent's cap on texts an hour; null: the default.")
    active: bool = strawberry.field(description="false: disabled, cannot log in.")
    last_login_at: datetime | None = strawberry.field(description="null: never logged in.")

    @classmethod
    def from_domain(cls, a: Agent) -> AgentType:
        return cls(id=strawberry.ID(str(a.id)), name=a.name, email=a.email, role=a.role,
                   status=a.status, status_reason=a.status_reason, status_since=a.status_since,
                   queue_types=sorted(a.queue_types) if a.queue_types is not None else None,
                   automated=a.automated, texts_per_hour=a.texts_per_hour,
                   active=a.is_active, last_login_at=a.last_login_at)


@strawberry.type
class LoginSucceeded:
    token: str
    expires_at: datetime
    agent: AgentType
    password_change_required: bool = strawberry.field(description=(
        "A temporary password: until changePassword, every other operation but me, "
        "heartbeat and logout is refused (PASSWORD_CHANGE_REQUIRED)."))


@strawberry.type
class LoginFailed:
    message: str


LoginResult = Annotated[LoginSucceeded | LoginFailed, strawberry.union("LoginResult")]


async def load_agent(info, agent_id) -> AgentType | None:
    """The agent behind an id through the request's loader; None for no id or no agent."""
    if agent_id is None:
        return None
    agent = await info.context.loaders.agent.load(agent_id)
    return AgentType.from_domain(agent) if agent else None
