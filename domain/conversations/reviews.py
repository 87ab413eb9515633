"""Texts a person must read: a possible opt-out, or an intent read with little confidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.conversations.model import Intent


class ReviewStatus(StrEnum):
    PENDING = "PENDING"
    RESOLVED = "RESOLVED"


@dataclass(frozen=True, slots=True)
class TextReview:
    """A pending review, as a supervisor reads it (the body as stored: links masked)."""

    id: int
    user_id: int | None
    received_at: datetime
    body: str
    intent: Intent
    confidence: float


@dataclass(frozen=True, slots=True)
class ReviewPage:
    reviews: list[TextReview]
    has_next: bool
    total: int


@dataclass(frozen=True, slots=True)
class ResolvedReview:
    id: int
    user_id: int | None
    from_number: str  # the number that texted: an opt-out holds for it
    decision: Intent
    first_opt_out: bool  # the decision opted this number out now (confirm it once)


class ReviewRejection(StrEnum):
    UNKNOWN = "no such text to review"
    ALREADY_RESOLVED = "this text was reviewed already"
