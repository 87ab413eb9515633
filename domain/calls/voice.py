"""Voice calls: who the browser is, whether a number may be dialled, and the events calls raise."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.calls.status import CallProgress, CallStatus

IDENTITY_PREFIX = "agent-"
CLIENT_PREFIX = "client:"


class CallDirection(StrEnum):
    OUTBOUND = "OUTBOUND"
    INBOUND = "INBOUND"


class VoiceNotConfigured(Exception):
    """Twilio credentials are missing: the dialler runs record-only."""


def agent_identity(agent_id: uuid.UUID) -> str:
    """The Twilio Client identity of an agent's browser."""
    return f"{IDENTITY_PREFIX}{agent_id}"


def agent_from_identity(raw: str | None) -> uuid.UUID | None:
    """The agent behind ``agent-<uuid>`` or ``client:agent-<uuid>``; None for anything else."""
    text = (raw or "").strip()
    if text.startswith(CLIENT_PREFIX):
        text = text[len(CLIENT_PREFIX):]
    if not text.startswith(IDENTITY_PREFIX):
        return None
    try:
        return uuid.UUID(text[len(IDENTITY_PREFIX):])
    except ValueError:
        return None


@dataclass(slots=True)
class CallRecord:
    id: uuid.UUID
    twilio_sid: str | None
    direction: CallDirection
    progress: CallProgress
    started_at: datetime
    user_id: int | None = None
    agent_id: uuid.UUID | None = None
    lease_id: uuid.UUID | None = None
    queue_type: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    recording_sid: str | None = None
    recording_url: str | None = None
    recording_deleted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DialFacts:
    """What decides whether an agent's browser may dial a user now."""

    agent_active: bool
    user_known: bool
    e164: str | None
    do_not_call: bool
    lease_id: uuid.UUID | None
    queue_type: str | None


def dial_refusal(facts: DialFacts, window_closed: str | None) -> str | None:
    """Why the call must not be placed (spoken to the agent), or None to dial."""
    if not facts.agent_active:
        return "Your agent account is not active."
    if window_closed:
        return f"Calls are not allowed now: {window_closed}."
    if not facts.user_known:
        return "This customer is not known to the dialler."
    if facts.e164 is None:
        return "This customer's phone number cannot be dialled."
    if facts.do_not_call:
        return "This customer is on the do not call list."
    if facts.lease_id is None:
        return "This customer is not assigned to you. Ask for the next lead first."
    return None


@dataclass(frozen=True, slots=True)
class CallUpdated:
    """Domain event: a call's status, talk time or recording changed."""

    call_id: uuid.UUID
    direction: CallDirection
    status: CallStatus
    talk_seconds: int
    recording_url: str | None
    user_id: int | None
    agent_id: uuid.UUID | None
    occurred_at: datetime

    @classmethod
    def of(cls, call: CallRecord, at: datetime) -> CallUpdated:
        return cls(call.id, call.direction, call.progress.status, call.progress.talk_seconds,
                   call.recording_url, call.user_id, call.agent_id, at)


@dataclass(frozen=True, slots=True)
class IncomingCall:
    """Domain event: a caller is ringing these agents; user_id None for an unknown number."""

    call_id: uuid.UUID
    user_id: int | None
    from_number: str | None
    agent_ids: tuple[str, ...]
    occurred_at: datetime
