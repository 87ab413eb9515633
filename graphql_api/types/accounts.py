"""GraphQL types of keeping accounts: the agents list, their changes, passwords."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graphql_api.pagination import PageInfo
from graphql_api.types.agents import AgentType
from graphql_api.types.enums import Role
from graphql_api.types.queue import QueueType


@strawberry.type
class AgentEdge:
    cursor: str
    node: AgentType


@strawberry.type
class AgentConnection:
    total_count: int = strawberry.field(description="Every agent the filters keep.")
    page_info: PageInfo
    edges: list[AgentEdge]


@strawberry.input
class CreateAgentInput:
    email: str
    name: str
    role: Role
    password: str = strawberry.field(description=(
        "At least 10 characters, not a common password, not the e-mail or the name."))
    queue_types: list[QueueType] | None = strawberry.field(
        default=None, description="The queue types they work; null: every type.")


@strawberry.input
class UpdateAgentInput:
    name: str | None = None
    role: Role | None = strawberry.field(
        default=None, description="A change ends the agent's sessions: they log in again.")
    active: bool | None = strawberry.field(
        default=None, description="false ends the agent's sessions and returns their lead.")
    queue_types: list[QueueType] | None = strawberry.field(
        default=strawberry.UNSET, description="Omitted: unchanged; null: every type.")


@strawberry.type
class AgentSaved:
    agent: AgentType


@strawberry.type
class AgentRejected:
    """Nothing was changed."""

    field: str | None = strawberry.field(description="The argument at fault, when one is.")
    message: str


@strawberry.type(name="TemporaryPassword")
class TemporaryPasswordType:
    temporary_password: str = strawberry.field(
        description="Shown once: give it to the agent, who must change it at login.")
    expires_at: datetime


@strawberry.type
class PasswordChanged:
    changed_at: datetime


AgentResult = Annotated[AgentSaved | AgentRejected, strawberry.union("AgentResult")]
PasswordChangeResult = Annotated[PasswordChanged | AgentRejected,
                                 strawberry.union("PasswordChangeResult")]
