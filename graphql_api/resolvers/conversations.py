"""Thin resolvers of the supervisors' review of inbound texts."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.audit.model import AuditKind, AuditRecord
from domain.conversations.model import Intent
from domain.conversations.reviews import ReviewRejection, TextReview
from graphql_api.audit import record_reads
from graphql_api.ids import int_id
from graphql_api.pagination import PageInfo, check_first, decode_time_cursor, encode_time_cursor
from graphql_api.types.conversations import (
    TextReviewRejected,
    TextReviewResolved,
    TextToReview,
    TextToReviewConnection,
    TextToReviewEdge,
)

CURSOR = "review1"
ResolveTextReviewResult = Annotated[TextReviewResolved | TextReviewRejected,
                                    strawberry.union("ResolveTextReviewResult")]


async def texts_to_review(info: Info, first: int,
                          after: str | None = None) -> TextToReviewConnection:
    """Pending reviews, the oldest received first."""
    check_first(first)
    page = await info.context.services.text_reviews.pending(
        first, decode_time_cursor(CURSOR, after) if after else None)
    record_reads(info, {r.user_id for r in page.reviews if r.user_id is not None})
    edges = [TextToReviewEdge(cursor=_cursor(r), node=TextToReview.from_domain(r))
             for r in page.reviews]
    return TextToReviewConnection(edges=edges, total_count=page.total, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def resolve_text_review(info: Info, id: strawberry.ID, decision: Intent,  # noqa: A002
                              note: str | None = None) -> ResolveTextReviewResult:
    principal = info.context.require_principal()
    resolved = await info.context.services.text_reviews.resolve(
        int_id(id, "id"), decision, agent_id=principal.agent_id, note=note)
    if isinstance(resolved, ReviewRejection):
        return TextReviewRejected(message=resolved.value)
    _audit_decision(info, resolved.user_id)
    return TextReviewResolved(id=id, decision=resolved.decision)


def _audit_decision(info: Info, user_id: int | None) -> None:
    """The trail's row of the decision names the user it was about (the mutation's own
    row, written before it ran, could name only the review)."""
    context = info.context
    context.services.audit_writer.record(AuditRecord(
        context.services.clock(), AuditKind.MUTATION, context.require_principal().agent_id,
        user_id, "resolveTextReview", context.client_ip))


def _cursor(review: TextReview) -> str:
    return encode_time_cursor(CURSOR, review.received_at, review.id)
