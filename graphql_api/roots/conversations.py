"""Root fields of the review of inbound texts (merged in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.permissions import IsSupervisor
from graphql_api.resolvers import conversations
from graphql_api.types.conversations import TextToReviewConnection


@strawberry.type
class ConversationsQuery:
    texts_to_review: TextToReviewConnection = strawberry.field(
        resolver=conversations.texts_to_review, permission_classes=[IsSupervisor],
        description="Inbound texts a person must read (a possible opt-out, a low-confidence "
                    "intent), oldest first; automated texts to their users wait meanwhile.")


@strawberry.type
class ConversationsMutation:
    resolve_text_review: conversations.ResolveTextReviewResult = strawberry.field(
        resolver=conversations.resolve_text_review, permission_classes=[IsSupervisor],
        description="Decides what a reviewed text meant, once; audited. OPT_OUT opts the "
                    "sender out as a STOP would (with its one confirmation); any other "
                    "decision lets automated texts go again.")
