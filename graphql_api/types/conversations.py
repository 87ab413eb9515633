"""GraphQL types of the texts a supervisor reviews."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.conversations.model import Intent as DomainIntent
from domain.conversations.reviews import TextReview
from graphql_api.pagination import PageInfo

Intent = strawberry.enum(DomainIntent, name="Intent", description=(
    "What an inbound text means: read by the keyword rules and the classifier, or decided "
    "by a person."))


@strawberry.type
class TextToReview:
    id: strawberry.ID
    user_id: strawberry.ID | None = strawberry.field(
        description="The sender's user; null: no user has the number that texted.")
    received_at: datetime
    body: str = strawberry.field(description="As kept: link tokens masked.")
    intent: Intent = strawberry.field(description="What the dialler read in it.")
    confidence: float = strawberry.field(description="How sure it was (0..1).")

    @classmethod
    def from_domain(cls, r: TextReview) -> TextToReview:
        return cls(id=strawberry.ID(str(r.id)),
                   user_id=strawberry.ID(str(r.user_id)) if r.user_id is not None else None,
                   received_at=r.received_at, body=r.body, intent=r.intent,
                   confidence=r.confidence)


@strawberry.type
class TextToReviewEdge:
    cursor: str
    node: TextToReview


@strawberry.type
class TextToReviewConnection:
    edges: list[TextToReviewEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class TextReviewResolved:
    id: strawberry.ID
    decision: Intent


@strawberry.type
class TextReviewRejected:
    message: str
