"""What messaging needs from the outside world: an SMS gateway (Twilio), its store."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.conversations.model import Classification
from domain.links.masking import CarriedLink
from domain.messaging.follow_ups import PlannedFollowUp
from domain.messaging.model import Message, SmsStatus


@dataclass(frozen=True, slots=True)
class SentMessage:
    sid: str
    status: str  # Twilio's MessageStatus, e.g. "queued"


class TwilioSendFailed(Exception):
    """The gateway refused or could not take a message; ``retryable`` says whether to retry."""

    def __init__(self, reason: str, retryable: bool):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class SmsGateway(abc.ABC):
    @abc.abstractmethod
    async def send_sms(self, to: str, body: str, status_callback: str | None) -> SentMessage:
        """Hands one message to the provider; raises TwilioSendFailed."""

    @abc.abstractmethod
    async def delete_recording(self, sid: str) -> bool:
        """Deletes a call recording; False when it was already gone."""


class LinkRenewal(abc.ABC):
    """Fresh links for a message sent again: its kept text holds only the old links' ids."""

    @abc.abstractmethod
    async def renew(self, link_id: uuid.UUID) -> CarriedLink | None:
        """Revokes the link and mints its successor; None when it cannot be renewed."""


@dataclass(frozen=True, slots=True)
class ContactState:
    """Whether and where a user may be texted."""

    e164: str | None
    opted_out: bool
    do_not_call: bool
    under_review: bool = False  # a text of theirs awaits a person: automated texts wait


class MessagingTransaction(abc.ABC):
    """The messaging tables inside one open transaction: what is written here, a webhook's
    receipt and a follow-up's mark included, commits or rolls back with the message."""

    @abc.abstractmethod
    async def first_receipt(self, key: str) -> bool:
        """Records a webhook's receipt; False when it was recorded before (a retry)."""

    @abc.abstractmethod
    async def mark_follow_up_sent(self, follow_up_id: int, message_id: int,
                                  at: datetime) -> None:
        """The follow-up that this transaction's message carries out is SENT."""

    @abc.abstractmethod
    async def contact_state(self, user_id: int, phone_raw: str | None) -> ContactState:
        """Refreshes the user's number and reads whether they may be texted."""

    @abc.abstractmethod
    async def is_blocked(self, user_id: int) -> bool:
        """Opted out by SMS or on the do-not-call list (the number is not re-read)."""

    @abc.abstractmethod
    async def queue_outbound(self, *, user_id: int, to: str, body: str,
                             agent_id: uuid.UUID | None, automated: bool,
                             follow_up_id: int | None, now: datetime) -> Message:
        """Keeps a new outbound message, QUEUED, not yet handed over."""

    @abc.abstractmethod
    async def claim_for_send(self, message_id: int, now: datetime
                             ) -> Mapping[str, object] | None:
        """Marks the hand-off as ours and gives the message's row; None: not ours to send."""

    @abc.abstractmethod
    async def set_body(self, message_id: int, body: str) -> None:
        """The kept body of a message sent again: it names the links it carries now."""

    @abc.abstractmethod
    async def handed_over(self, message_id: int, sid: str, status: SmsStatus,
                          now: datetime) -> Message:
        """Twilio took it: its sid, and the status unless a callback moved it on already."""

    @abc.abstractmethod
    async def send_failed(self, message_id: int, reason: str, retry_at: datetime | None,
                          now: datetime) -> Message:
        """The hand-off failed; retried at ``retry_at`` (None: never)."""

    @abc.abstractmethod
    async def apply_status(self, *, message_id: int | None, sid: str | None,
                           status: SmsStatus, error: str | None, now: datetime
                           ) -> Message | None:
        """The message moved forward, or None (unknown, or the report is stale)."""

    @abc.abstractmethod
    async def user_by_number(self, e164: str | None) -> int | None:
        """The user with this number: the one last messaged there, else the lowest id."""

    @abc.abstractmethod
    async def store_inbound(self, *, user_id: int | None, from_number: str, to_number: str,
                            body: str, sid: str | None, now: datetime) -> Message | None:
        """None when this Twilio message was stored before."""

    @abc.abstractmethod
    async def note_intent(self, message_id: int, classification: Classification) -> None:
        """What an inbound message was read to mean."""

    @abc.abstractmethod
    async def note_action(self, message_id: int, action: str) -> None:
        """What was done, unasked, about an inbound message."""

    @abc.abstractmethod
    async def open_review(self, message: Message, classification: Classification,
                          now: datetime) -> None:
        """Puts an inbound message before a person (pending), once per message."""

    @abc.abstractmethod
    async def store_reply(self, *, user_id: int | None, to: str, body: str,
                          now: datetime) -> Message:
        """Our answer to an inbound message: Twilio sends it, no hand-off of ours."""

    @abc.abstractmethod
    async def opt_out(self, e164: str, user_id: int | None, keyword: str,
                      now: datetime) -> bool:
        """True the first time this number opts out (the only time it is acknowledged)."""

    @abc.abstractmethod
    async def opt_in(self, e164: str, user_id: int | None, now: datetime) -> bool:
        """Lifts this number's opt-out and only the do-not-call entry it caused."""


class MessagingStore(abc.ABC):
    """SMS messages and opt-outs: a transaction for each change, reads outside one."""

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[MessagingTransaction]:
        """One transaction: its changes commit when the block ends cleanly."""

    @abc.abstractmethod
    async def conversation(self, user_id: int, first: int,
                           before: tuple[datetime, int] | None
                           ) -> tuple[list[Message], bool, int]:
        """The ``first`` messages before the cursor (newest first), whether older ones exist,
        and how many the conversation holds."""

    @abc.abstractmethod
    async def watchers(self, user_id: int) -> tuple[str, ...]:
        """Agents working on this user: holding their lease now, or who texted them."""

    @abc.abstractmethod
    async def due_retries(self, now: datetime, limit: int = 200) -> list[int]:
        """Failed hand-offs whose retry is due, the longest waiting first."""

    @abc.abstractmethod
    async def fail_interrupted(self, older_than: datetime, now: datetime) -> list[Message]:
        """Hand-offs that never finished (a crash): failed, as Twilio may have taken them."""

    @abc.abstractmethod
    async def last_conversation(self, user_ids: Sequence[int]) -> dict[int, datetime]:
        """Each user's latest SMS either way or reached call."""


class FollowUpStore(abc.ABC):
    """Planned follow-up texts: scheduled once by their dedupe key, claimed when due."""

    @abc.abstractmethod
    async def schedule(self, plans: Sequence[PlannedFollowUp], now: datetime) -> int:
        """Inserts the plans not scheduled before; how many were new."""

    @abc.abstractmethod
    async def cancel_for_user(self, user_id: int, reason: str, now: datetime) -> int: ...

    @abc.abstractmethod
    async def claim_due(self, now: datetime, limit: int = 100) -> list[Mapping[str, object]]:
        """Due follow-ups, now SENDING: committed before anything is sent, so one sender."""

    @abc.abstractmethod
    async def skip(self, follow_up_id: int, reason: str, now: datetime) -> None: ...

    @abc.abstractmethod
    async def defer(self, follow_up_id: int, until: datetime, now: datetime) -> None: ...

    @abc.abstractmethod
    async def pending_callbacks(self, user_ids: Sequence[int]) -> set[tuple[int, datetime]]:
        """(user, time) of each pending callback of these users."""

    @abc.abstractmethod
    async def defer_pending(self, user_id: int, by: timedelta, now: datetime) -> int:
        """Moves the user's pending follow-ups ``by`` later; how many moved."""
