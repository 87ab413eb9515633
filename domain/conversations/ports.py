"""What understanding a text needs from outside the domain."""

from __future__ import annotations

import abc
import uuid
from datetime import datetime

from domain.conversations.actions import TakenAction
from domain.conversations.answers import Topic
from domain.conversations.model import Classification, Intent
from domain.conversations.reviews import ResolvedReview, ReviewPage, ReviewRejection


class IntentClassifier(abc.ABC):
    """A statistical reading of a normalised text (the keyword rules come before it)."""

    @abc.abstractmethod
    def classify(self, normalised: str) -> Classification:
        """Top intent and its probability, with OPT_OUT's probability; pure CPU, no I/O."""


class IntentSecondOpinion(abc.ABC):
    """A remote reading of a normalised text the keyword rules did not decide."""

    @abc.abstractmethod
    async def classify(self, normalised: str) -> Classification | None:
        """Its reading, or None whenever it could not give a sound one in time."""


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


class ConversationEffects(abc.ABC):
    """What acting on a customer's text changes beyond the messaging tables."""

    @abc.abstractmethod
    async def block_wrong_number(self, user_id: int, now: datetime) -> None:
        """Keeps the user out of every queue until their number changes, as a WRONG_NUMBER
        disposition does; the queue update is owed from here on."""

    @abc.abstractmethod
    async def last_agent(self, user_id: int, since: datetime) -> uuid.UUID | None:
        """The agent of the user's most recent call or disposition since ``since``."""

    @abc.abstractmethod
    async def book_callback(self, user_id: int, at: datetime, agent_id: uuid.UUID | None,
                            now: datetime) -> None:
        """A pending callback (personal to ``agent_id`` when there is one), superseding the
        user's pending one: the customer's own request outranks an agent's booking."""


class AnswerBook(abc.ABC):
    """The versioned replies to customers' common questions."""

    version: str

    @abc.abstractmethod
    def answer(self, topic: Topic) -> str | None:
        """The reply on this topic, or None when the book has none."""

    @abc.abstractmethod
    def linked(self, topic: Topic) -> str | None:
        """The reply on this topic with a slot (answers.LINK_SLOT) for a link of the
        user's own, or None when the book has no linked form of it."""


class ActionHistory(abc.ABC):
    """The automatic actions kept on inbound texts."""

    @abc.abstractmethod
    async def recent(self, user_id: int, since: datetime, limit: int) -> list[TakenAction]:
        """At most ``limit`` actions on the user's texts received since ``since``, newest
        first."""
