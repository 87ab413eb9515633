"""GraphQL types of how users move between the queues."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.analytics.flow import QueueFlow
from domain.analytics.ports import Bucket as DomainBucket
from domain.analytics.ports import Movement
from domain.queue.model import MovementCause as DomainCause
from graphql_api.types.queue import QueueType

Bucket = strawberry.enum(DomainBucket, name="Bucket",
                         description="HOUR or DAY, as the clock in Europe/London reads them.")
MovementCause = strawberry.enum(DomainCause, name="MovementCause", description=(
    "Why users moved: what was done (a disposition, a do-not-call change, an SMS STOP, a "
    "callback falling due) or what the change says (a signature, a requirement completed "
    "or added, a number that cannot be dialled, a new score)."))


@strawberry.type(name="QueueMovement")
class QueueMovementType:
    bucket_start: datetime
    from_queue: QueueType | None = strawberry.field(description="null: from outside the queues.")
    to_queue: QueueType | None = strawberry.field(description="null: out of every queue.")
    cause: MovementCause
    users: int = strawberry.field(description="Distinct users who moved so in the bucket.")

    @classmethod
    def from_domain(cls, m: Movement) -> QueueMovementType:
        return cls(bucket_start=m.bucket_start, from_queue=m.from_queue, to_queue=m.to_queue,
                   cause=m.cause, users=m.users)


@strawberry.type(name="QueueFlow", description=(
    "Users who joined a queue in the period (each once, from their first join) and how "
    "soon they were reached and converted, whenever that came; seconds are null when "
    "none of them has been."))
class QueueFlowType:
    queue_type: QueueType
    joined: int = strawberry.field(description="Distinct users who joined the queue.")
    median_seconds_to_first_contact: float | None = strawberry.field(
        description="From the join to the first disposition with a contact outcome.")
    p90_seconds_to_first_contact: float | None
    median_seconds_to_conversion: float | None = strawberry.field(
        description="From the join to the first conversion after it.")

    @classmethod
    def from_domain(cls, f: QueueFlow) -> QueueFlowType:
        return cls(queue_type=f.queue_type, joined=f.joined,
                   median_seconds_to_first_contact=f.median_seconds_to_first_contact,
                   p90_seconds_to_first_contact=f.p90_seconds_to_first_contact,
                   median_seconds_to_conversion=f.median_seconds_to_conversion)
