"""What understanding a text needs from outside the domain."""

from __future__ import annotations

import abc
import uuid
from datetime import datetime

from domain.conversations.model import Classification, Intent
from domain.conversations.reviews import ResolvedReview, ReviewPage, ReviewRejection


class IntentClassifier(abc.ABC):
    """A statistical reading of a normalised text (the keyword rules come before it)."""

    @abc.abstractmethod
    def classify(self, normalised: str) -> Classification:
        """Top intent and its probability, with OPT_OUT's probability; pure CPU, no I/O."""


class CallbackTimeParser(abc.ABC):
    """The moment a text asks to be called back at, read in London time."""

    @abc.abstractmethod
    def parse(self, text: str, sent_at: datetime) -> datetime | None:
        """A timezone-aware London time after ``sent_at``, or None when the text names none."""


class TextReviews(abc.ABC):
    """The texts waiting for a person, and their resolution."""

    @abc.abstractmethod
    async def pending(self, first: int, after: tuple[datetime, int] | None) -> ReviewPage:
        """The ``first`` pending reviews after the cursor, oldest received first."""

    @abc.abstractmethod
    async def resolve(self, review_id: int, decision: Intent, *, agent_id: uuid.UUID | None,
                      note: str | None, opt_out: bool, now: datetime
                      ) -> ResolvedReview | ReviewRejection:
        """Resolves a pending review once; with ``opt_out``, in the same transaction the
        sender is opted out as a STOP would (do-not-call, pending follow-ups cancelled)."""
