"""Messages, their statuses and the rules for moving between them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.conversations.model import Intent
from domain.text import NUL_REFUSED, has_nul

MAX_BODY = 1600  # Twilio's own limit for one message body


class Direction(StrEnum):
    OUTBOUND = "OUTBOUND"
    INBOUND = "INBOUND"


class SmsStatus(StrEnum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    UNDELIVERED = "UNDELIVERED"
    FAILED = "FAILED"
    RECEIVED = "RECEIVED"


class SmsRejection(StrEnum):
    OPTED_OUT = "OPTED_OUT"
    UNDIALABLE = "UNDIALABLE"
    DO_NOT_CALL = "DO_NOT_CALL"
    OUTSIDE_SMS_HOURS = "OUTSIDE_SMS_HOURS"
    UNKNOWN_USER = "UNKNOWN_USER"
    # A text of theirs awaits a person (a possible opt-out): automated texts wait for it.
    UNDER_REVIEW = "UNDER_REVIEW"


class SmsEventKind(StrEnum):
    RECEIVED = "RECEIVED"
    STATUS_CHANGED = "STATUS_CHANGED"


# Later statuses never give way to earlier ones (callbacks arrive out of order).
_RANK = {SmsStatus.QUEUED: 0, SmsStatus.SENDING: 1, SmsStatus.SENT: 2,
         SmsStatus.DELIVERED: 3, SmsStatus.UNDELIVERED: 3, SmsStatus.FAILED: 3}

_FROM_TWILIO = {
    "accepted": SmsStatus.QUEUED, "scheduled": SmsStatus.QUEUED, "queued": SmsStatus.QUEUED,
    "sending": SmsStatus.SENDING, "sent": SmsStatus.SENT, "delivered": SmsStatus.DELIVERED,
    "read": SmsStatus.DELIVERED, "undelivered": SmsStatus.UNDELIVERED,
    "failed": SmsStatus.FAILED, "canceled": SmsStatus.FAILED,
}


def from_twilio(status: str | None) -> SmsStatus | None:
    """Our status for one of Twilio's MessageStatus values; None when unknown."""
    return _FROM_TWILIO.get((status or "").strip().lower())


def advances(current: SmsStatus, new: SmsStatus) -> bool:
    """True when a status report moves an outbound message forward (never backwards)."""
    if current not in _RANK or new not in _RANK:
        return False
    return _RANK[new] > _RANK[current]


MAX_ATTEMPTS = 5


def retry_at(attempts: int, now: datetime, retryable: bool,
             max_attempts: int = MAX_ATTEMPTS) -> datetime | None:
    """When to try a failed hand-off again (1, 2, 4, 8… minutes), or None: give up."""
    if not retryable or attempts >= max_attempts:
        return None
    return now + timedelta(minutes=min(2 ** (attempts - 1), 30))


class InvalidSms(ValueError):
    """Input the rules refuse; ``field`` names it."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def check_body(body: str) -> str:
    """The body to send, or InvalidSms naming the field."""
    text = body.strip()
    if not text:
        raise InvalidSms("body must not be empty", "body")
    if len(text) > MAX_BODY:
        raise InvalidSms(f"body is longer than {MAX_BODY} characters ({len(text)})", "body")
    if has_nul(text):
        raise InvalidSms(f"body {NUL_REFUSED}", "body")
    return text


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    user_id: int | None
    direction: Direction
    body: str
    status: SmsStatus
    created_at: datetime
    failure_reason: str | None = None
    agent_id: object | None = None
    # An inbound text's reading, and what was done about it unasked (an ActionKind first).
    intent: Intent | None = None
    intent_confidence: float | None = None
    action: str | None = None


@dataclass(frozen=True, slots=True)
class SmsEvent:
    """Published for live subscribers (channel named after the class)."""

    kind: str
    id: int
    user_id: int | None
    direction: str
    body: str
    status: str
    created_at: datetime
    # Agents working on this user (holding their lease, or who texted them): the agents
    # who see the event without naming the user.
    watchers: tuple[str, ...] = ()

    @classmethod
    def of(cls, kind: SmsEventKind, message: Message,
           watchers: tuple[str, ...] = ()) -> SmsEvent:
        return cls(kind.value, message.id, message.user_id, message.direction.value,
                   message.body, message.status.value, message.created_at, watchers)
