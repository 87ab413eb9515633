"""GraphQL types of the audit trail (supervisors read it with auditLog)."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from domain.audit.model import AuditEntry
from domain.audit.model import AuditKind as DomainAuditKind
from graphql_api.pagination import PageInfo
from graphql_api.types.agents import AgentType, load_agent

AuditKind = strawberry.enum(DomainAuditKind, name="AuditKind", description=(
    "READ: a person saw the user's personal data; MUTATION: a change was asked for "
    "(recorded whether or not it succeeded)."))


@strawberry.type(name="AuditRecord")
class AuditRecordType:
    at: datetime
    kind: AuditKind
    user_id: strawberry.ID | None = strawberry.field(
        description="The user read, or the user a mutation named; null: none.")
    operation: str = strawberry.field(
        description="READ: the operation's name (else its root fields); MUTATION: the field.")
    address: str | None = strawberry.field(description="The client's address, as the API saw it.")
    agent_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who; null when the caller had no valid token (a login).")
    async def agent(self, info: Info) -> AgentType | None:
        return await load_agent(info, self.agent_id)

    @classmethod
    def from_domain(cls, entry: AuditEntry) -> AuditRecordType:
        r = entry.record
        return cls(at=r.at, kind=r.kind,
                   user_id=strawberry.ID(str(r.user_id)) if r.user_id is not None else None,
                   operation=r.operation, address=r.address, agent_id=r.agent_id)


@strawberry.type
class AuditEdge:
    cursor: str
    node: AuditRecordType


@strawberry.type
class AuditConnection:
    edges: list[AuditEdge]
    page_info: PageInfo
