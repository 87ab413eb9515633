"""What voice calls and booked callbacks need from storage and from Twilio."""

from __future__ import annotations

import abc
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from domain.calls.callbacks import Callback, CallbackPage, CallbackPosition
from domain.calls.recordings import RecordedCall
from domain.calls.voice import CallRecord, DialFacts


class CallRepository(abc.ABC):
    """Calls inside one transaction (the caller commits or rolls back)."""

    @abc.abstractmethod
    async def dial_facts(self, user_id: int, agent_id: uuid.UUID, now: datetime) -> DialFacts: ...

    @abc.abstractmethod
    async def add(self, call: CallRecord) -> CallRecord:
        """Stores a new call; a call with the same Twilio sid already there is returned."""

    @abc.abstractmethod
    async def for_update(self, sids: list[str]) -> CallRecord | None:
        """The call with one of these Twilio sids, locked until the transaction ends."""

    @abc.abstractmethod
    async def save(self, call: CallRecord) -> None: ...

    @abc.abstractmethod
    async def user_for_number(self, e164: str) -> int | None: ...

    @abc.abstractmethod
    async def available_agents(self, limit: int) -> list[uuid.UUID]:
        """Active agents whose status is AVAILABLE, longest waiting first."""

    @abc.abstractmethod
    async def rang(self, call_id: uuid.UUID, agent_ids: list[uuid.UUID], at: datetime) -> None:
        """Records whom an inbound call rings: while it rings, they may see the caller."""

    @abc.abstractmethod
    async def schedule_callback_now(self, user_id: int, now: datetime, note: str) -> None: ...

    @abc.abstractmethod
    async def first_receipt(self, key: str) -> bool:
        """True the first time this Twilio webhook is seen: the receipt commits or rolls
        back with the transaction's changes, so a retry of an applied one finds it."""


@dataclass(frozen=True, slots=True)
class IssuedVoiceToken:
    token: str
    identity: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ExpiredRecording:
    call_id: uuid.UUID
    recording_sid: str


class VoiceGateway(abc.ABC):
    """Twilio Voice: access tokens and recordings. Raises VoiceNotConfigured without credentials."""

    caller_id: str | None

    @abc.abstractmethod
    def issue_token(self, identity: str, ttl_seconds: int, now: datetime) -> IssuedVoiceToken: ...

    @abc.abstractmethod
    async def delete_recording(self, recording_sid: str) -> bool:
        """True when Twilio no longer holds it; False in record-only mode (nothing deleted)."""


class RecordingStore(abc.ABC):
    @abc.abstractmethod
    async def expired(self, before: datetime, limit: int) -> list[ExpiredRecording]: ...

    @abc.abstractmethod
    async def mark_deleted(self, call_id: uuid.UUID, at: datetime) -> None: ...

    @abc.abstractmethod
    async def recorded_call(self, call_id: uuid.UUID) -> RecordedCall | None:
        """A call and its recording as kept (None: no such call)."""


@dataclass(frozen=True, slots=True)
class MediaStream:
    """A recording's audio as the media server answers it: all (200) or a range (206)."""

    status: int
    headers: Mapping[str, str]  # content-type, content-length, content-range, accept-ranges
    chunks: AsyncIterator[bytes]


class RecordingMedia(abc.ABC):
    """Recordings' audio where it is kept (Twilio)."""

    configured: bool

    @abc.abstractmethod
    def open(self, recording_sid: str,
             byte_range: str | None) -> AbstractAsyncContextManager[MediaStream]:
        """The audio, or the ``byte_range`` (an HTTP Range header) of it; NoRecording when
        the media server no longer has it."""


@dataclass(frozen=True, slots=True)
class CallPage:
    """One page of a user's calls."""

    rows: Sequence[Mapping[str, object]]  # the calls table's columns, newest first
    total: int
    has_next: bool


class CallHistory(abc.ABC):
    """Stored calls, read outside any transaction."""

    @abc.abstractmethod
    async def user_calls(self, user_id: int, first: int,
                         after: tuple[datetime, uuid.UUID] | None) -> CallPage:
        """One user's calls, newest first (ties by id), after a (started_at, id) position."""

    @abc.abstractmethod
    async def call_agent(self, call_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
        """(the call exists, its agent)."""


class CallbackBook(abc.ABC):
    """Booked callbacks, for whoever plans the floor's day."""

    @abc.abstractmethod
    async def page(self, *, agent_id: uuid.UUID | None, status: str | None,
                   start: datetime | None, end: datetime | None, first: int,
                   after: CallbackPosition | None) -> CallbackPage:
        """By time due, then id; ``start`` inclusive, ``end`` exclusive."""

    @abc.abstractmethod
    async def reassign(self, from_agent_id: uuid.UUID, to_agent_id: uuid.UUID,
                       ids: list[int] | None, now: datetime) -> list[Callback]:
        """Hands the pending callbacks of ``from_agent_id`` (only ``ids``, when given) to
        ``to_agent_id`` in one transaction, their users' queue updates owed with it; the
        callbacks moved. InvalidReassignment, changing nothing, when an id is not a pending
        callback of that agent."""
