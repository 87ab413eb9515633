"""GraphQL types of the do-not-call list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.users.do_not_call import DoNotCallEntry
from domain.users.do_not_call import DoNotCallReason as DomainReason
from graphql_api.pagination import PageInfo
from graphql_api.types.agents import AgentType, load_agent

DoNotCallReason = strawberry.enum(DomainReason, name="DoNotCallReason", description=(
    "Why an entry is on the list; SMS_STOP entries come only from the customer's STOP and "
    "go only with their START."))


@strawberry.type(name="DoNotCallEntry")
class DoNotCallEntryType:
    id: strawberry.ID
    user_id: strawberry.ID | None = strawberry.field(description="null: a number's entry.")
    phone_number: str | None = strawberry.field(
        description="E.164; it blocks every user who has it, now and later. null: a user's.")
    reason: DoNotCallReason
    note: str | None
    created_at: datetime
    _created_by: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who added it; null: the customer (STOP) or the system.")
    async def created_by(self, info: Info) -> AgentType | None:
        return await load_agent(info, self._created_by)

    @classmethod
    def from_domain(cls, e: DoNotCallEntry) -> DoNotCallEntryType:
        return cls(id=strawberry.ID(str(e.id)),
                   user_id=strawberry.ID(str(e.user_id)) if e.user_id is not None else None,
                   phone_number=e.e164, reason=e.reason, note=e.note, created_at=e.created_at,
                   _created_by=e.created_by)


@strawberry.type
class DoNotCallEdge:
    cursor: str
    node: DoNotCallEntryType


@strawberry.type
class DoNotCallConnection:
    total_count: int
    page_info: PageInfo
    edges: list[DoNotCallEdge]


@strawberry.type
class DoNotCallAdded:
    entry: DoNotCallEntryType


@strawberry.type
class DoNotCallRemoved:
    id: strawberry.ID


@strawberry.type
class DoNotCallRejected:
    """Nothing was changed."""

    message: str


AddDoNotCallResult = Annotated[DoNotCallAdded | DoNotCallRejected,
                               strawberry.union("AddDoNotCallResult")]
RemoveDoNotCallResult = Annotated[DoNotCallRemoved | DoNotCallRejected,
                                  strawberry.union("RemoveDoNotCallResult")]
