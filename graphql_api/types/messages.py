"""GraphQL types for SMS: messages, conversations, send results and live events."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.messaging.model import Direction as DomainDirection
from domain.messaging.model import Message, SmsEvent
from domain.messaging.model import SmsEventKind as DomainEventKind
from domain.messaging.model import SmsRejection as DomainRejection
from domain.messaging.model import SmsStatus as DomainStatus
from graphql_api.pagination import PageInfo
from graphql_api.types.conversations import Intent

SmsStatus = strawberry.enum(DomainStatus, name="SmsStatus", description=(
    "Outbound: QUEUED -> SENDING -> SENT -> DELIVERED | UNDELIVERED | FAILED (never "
    "backwards; a FAILED hand-off may be retried). Inbound: RECEIVED."))
SmsDirection = strawberry.enum(DomainDirection, name="SmsDirection")
SmsRejectionReason = strawberry.enum(DomainRejection, name="SmsRejectionReason")
SmsEventKind = strawberry.enum(DomainEventKind, name="SmsEventKind")

_EXPLAINED = {
    DomainRejection.OPTED_OUT: "the user texted STOP: nothing is sent until they text START",
    DomainRejection.UNDIALABLE: "the user has no valid mobile number",
    DomainRejection.DO_NOT_CALL: "the user is on the do-not-contact list",
    DomainRejection.OUTSIDE_SMS_HOURS: "automated messages go only inside SMS hours",
    DomainRejection.UNKNOWN_USER: "there is no such user",
    DomainRejection.UNDER_REVIEW: "a text of theirs awaits a supervisor: automated "
                                  "messages wait until it is resolved",
}


@strawberry.type(name="SmsMessage")
class SmsMessageType:
    id: strawberry.ID
    user_id: strawberry.ID | None = strawberry.field(
        description="Null for a sender whose number matches no user.")
    direction: SmsDirection
    body: str
    status: SmsStatus
    created_at: datetime
    failure_reason: str | None = strawberry.field(
        default=None, description="Why the last hand-off to Twilio or delivery failed.")
    intent: Intent | None = strawberry.field(
        default=None, description="What an inbound text was read as; null: outbound, or "
                                  "not read (it went to a person).")
    intent_confidence: float | None = strawberry.field(
        default=None, description="How sure that reading was (0..1; 1 for a keyword rule).")
    action: str | None = strawberry.field(
        default=None, description="What the dialler did about an inbound text unasked: "
                                  "BLOCKED_WRONG_NUMBER, CALLBACK_BOOKED, REMINDERS_HELD, "
                                  "COMPLAINT_REVIEW, or ANSWERED with the reply set's "
                                  "version and topic (\"ANSWERED answers-v2 SIGN\"); null: "
                                  "nothing. Not sent with live events.")

    @classmethod
    def from_domain(cls, m: Message) -> SmsMessageType:
        return cls(id=strawberry.ID(str(m.id)),
                   user_id=strawberry.ID(str(m.user_id)) if m.user_id is not None else None,
                   direction=m.direction, body=m.body, status=m.status,
                   created_at=m.created_at, failure_reason=m.failure_reason,
                   intent=m.intent, intent_confidence=m.intent_confidence, action=m.action)

    @classmethod
    def from_event(cls, event: SmsEvent) -> SmsMessageType:
        user_id = event.user_id
        return cls(id=strawberry.ID(str(event.id)),
                   user_id=strawberry.ID(str(user_id)) if user_id is not None else None,
                   direction=DomainDirection(event.direction), body=event.body,
                   status=DomainStatus(event.status), created_at=event.created_at)


@strawberry.type
class SmsQueued:
    message: SmsMessageType = strawberry.field(
        description="Stored before Twilio was called; FAILED (with failureReason) when "
                    "Twilio refused it, retried within limits when that may help.")


@strawberry.type
class SmsRejected:
    reason: SmsRejectionReason
    detail: str = strawberry.field(description="The reason in words, for the agent.")

    @classmethod
    def of(cls, reason: DomainRejection) -> SmsRejected:
        return cls(reason=reason, detail=_EXPLAINED[reason])


@strawberry.type
class SmsEdge:
    cursor: str
    node: SmsMessageType


@strawberry.type
class SmsConnection:
    edges: list[SmsEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(name="SmsEvent")
class SmsEventType:
    kind: SmsEventKind
    message: SmsMessageType
