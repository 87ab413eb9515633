"""The automatic actions taken on inbound texts, as kept, and what each changes for the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.conversations.model import Intent


class ActionKind(StrEnum):
    """The first word of what ``sms_messages.action`` keeps."""

    BLOCKED_WRONG_NUMBER = "BLOCKED_WRONG_NUMBER"
    CALLBACK_BOOKED = "CALLBACK_BOOKED"
    REMINDERS_HELD = "REMINDERS_HELD"
    COMPLAINT_REVIEW = "COMPLAINT_REVIEW"
    ANSWERED = "ANSWERED"  # followed by the reply set's version and the topic
    HANDED_TO_PERSON = "HANDED_TO_PERSON"  # an automated agent's conversation, to the team


# The actions that book a callback (the callback is kept with the text's time).
BOOKS_A_CALLBACK = frozenset({ActionKind.CALLBACK_BOOKED, ActionKind.HANDED_TO_PERSON})


# Long enough for the replica to catch up with what they say they did.
REMINDERS_HELD = timedelta(hours=24)
# How far back, and how many, explainScore shows: enough to explain today's place.
SHOWN_FOR = timedelta(days=30)
SHOWN_AT_MOST = 10


@dataclass(frozen=True, slots=True)
class TakenAction:
    """An automatic action as kept on the inbound text it answered."""

    message_id: int
    received_at: datetime
    intent: Intent | None
    confidence: float | None
    action: str
    # The callback the text booked (CALLBACK_BOOKED only; None when it is not found).
    callback_at: datetime | None = None

    @property
    def kind(self) -> ActionKind | None:
        """None for an action this version does not know (kept by a newer one)."""
        try:
            return ActionKind(self.action.split(" ", 1)[0])
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class QueueEffect:
    """What an action changed for the queue, in words, and until or from when."""

    summary: str
    until: datetime | None = None


def queue_effect(taken: TakenAction) -> QueueEffect:
    match taken.kind:
        case ActionKind.BLOCKED_WRONG_NUMBER:
            return QueueEffect("number blocked: out of every queue until their number changes")
        case ActionKind.CALLBACK_BOOKED:
            return QueueEffect("callback booked: they move to CALLBACK when it falls due",
                               taken.callback_at)
        case ActionKind.REMINDERS_HELD:
            return QueueEffect("reminders held and rechecked against the replica at once",
                               taken.received_at + REMINDERS_HELD)
        case ActionKind.COMPLAINT_REVIEW:
            return QueueEffect("no queue change: automated texts wait until a supervisor "
                               "resolves the complaint")
        case ActionKind.HANDED_TO_PERSON:
            return QueueEffect("handed to a person: a team callback, in CALLBACK when it "
                               "falls due", taken.callback_at)
        case ActionKind.ANSWERED:
            return QueueEffect("no queue change: the question was answered")
    return QueueEffect("unknown action: no effect this version can describe")
