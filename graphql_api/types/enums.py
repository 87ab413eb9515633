"""Enums shared by the GraphQL types, exposed from the domain's own."""

from __future__ import annotations

import strawberry

from domain.agents.model import AgentStatus as DomainAgentStatus
from domain.agents.model import Role as DomainRole
from domain.calls.outcomes import CallOutcome as DomainCallOutcome

Role = strawberry.enum(DomainRole, name="Role", description="What an account may do.")
AgentStatus = strawberry.enum(DomainAgentStatus, name="AgentStatus")
CallOutcome = strawberry.enum(DomainCallOutcome, name="CallOutcome",
                              description="How a call ended, as the agent records it.")
