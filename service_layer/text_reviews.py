"""A supervisor's review of the texts the dialler could not safely decide on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.conversations.model import Intent
from domain.conversations.ports import TextReviews
from domain.conversations.reviews import ResolvedReview, ReviewPage, ReviewRejection
from service_layer.sms import SmsService


@dataclass
class TextReviewDesk:
    reviews: TextReviews
    sms: SmsService
    clock: Callable[[], datetime]

    async def pending(self, first: int, after: tuple[datetime, int] | None) -> ReviewPage:
        return await self.reviews.pending(first, after)

    async def resolve(self, review_id: int, decision: Intent, *, agent_id: uuid.UUID | None,
                      note: str | None = None) -> ResolvedReview | ReviewRejection:
        """Resolves it once. OPT_OUT opts the sender out as a STOP would and confirms it once
        by SMS; any other decision lifts the pause on automated texts."""
        opt_out = decision is Intent.OPT_OUT
        resolved = await self.reviews.resolve(review_id, decision, agent_id=agent_id,
                                              note=note, opt_out=opt_out, now=self.clock())
        if isinstance(resolved, ResolvedReview) and resolved.first_opt_out:
            await self.sms.confirm_opt_out(resolved.user_id, resolved.from_number)
        return resolved
