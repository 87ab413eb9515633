"""GraphQL types of the queues."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from domain.queue.leads import Lease
from domain.queue.model import QueueChangeKind as DomainChangeKind
from domain.queue.model import QueueEntry
from domain.queue.model import QueueType as DomainQueueType
from graphql_api.pagination import PageInfo
from graphql_api.types.users import UserType

QueueType = strawberry.enum(DomainQueueType, name="QueueType")
QueueChangeKind = strawberry.enum(DomainChangeKind, name="QueueChangeKind")


async def _user(info: Info, user_id: int) -> UserType | None:
    user = await info.context.loaders.user.load(user_id)
    return UserType.from_domain(user) if user else None


@strawberry.type(name="QueueEntry")
class QueueEntryType:
    position: int = strawberry.field(description="1 is called first.")
    score: float = strawberry.field(description="Lower is called sooner.")
    queue_type: QueueType
    next_call_after: datetime | None = strawberry.field(
        description="Not callable before this (a cool-down); callbacks: when due.")
    user: UserType | None = strawberry.field(
        description="null if the replica no longer has this user.")

    @classmethod
    def from_domain(cls, position: int, e: QueueEntry,
                    user: UserType | Exception | None) -> QueueEntryType:
        """``user`` comes preloaded for the whole page (see resolvers.queue); an error
        (the asker may not see the user) is what the field answers."""
        return cls(position=position, score=e.score, queue_type=e.queue_type,
                   next_call_after=e.due_at if e.queue_type is DomainQueueType.CALLBACK
                   else e.next_call_after, user=user)


@strawberry.type(name="QueueEdge")
class QueueEdge:
    cursor: str
    node: QueueEntryType


@strawberry.type(name="QueueConnection")
class QueueConnection:
    total_count: int
    page_info: PageInfo
    edges: list[QueueEdge]


@strawberry.type(name="QueueStats")
class QueueStatsType:
    queue_type: QueueType
    size: int
    callable_now: int


@strawberry.type(name="QueueUpdate")
class QueueUpdate:
    kind: QueueChangeKind
    user_id: strawberry.ID
    from_queue: QueueType | None
    to_queue: QueueType | None
    score: float | None
    reason: str
    occurred_at: datetime


@strawberry.type(name="Assignment", description="A lead leased to the calling agent.")
class AssignmentType:
    id: strawberry.ID
    queue_type: QueueType
    expires_at: datetime
    score: float
    _user_id: strawberry.Private[int]

    @strawberry.field
    async def user(self, info: Info) -> UserType | None:
        return await _user(info, self._user_id)

    @classmethod
    def from_domain(cls, lease: Lease) -> AssignmentType:
        return cls(id=strawberry.ID(str(lease.id)), queue_type=lease.queue_type,
                   expires_at=lease.expires_at, score=lease.score, _user_id=lease.user_id)


@strawberry.type
class LeadAssigned:
    assignment: AssignmentType


@strawberry.type
class NoLeadAvailable:
    reason: str
