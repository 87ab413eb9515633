"""The do-not-call list: who must not be called or texted, by user or by number, and why.

An entry names a user or a phone number (E.164). A number blocks every user who has it,
now and later. Each user blocked has one row of their own (the queues, the dialler and
the SMS checks read that), which stays while any entry still covers them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.messaging.opt_out import OPT_OUT_REASON
from domain.text import NUL_REFUSED, has_nul
from domain.users.phone import to_e164

MAX_NOTE_LENGTH = 500


class DoNotCallReason(StrEnum):
    CUSTOMER_REQUEST = "CUSTOMER_REQUEST"
    SMS_STOP = "SMS_STOP"  # the customer texted STOP: only their START lifts it
    DISPOSITION = "DISPOSITION"  # an agent recorded DO_NOT_CALL after a call
    COMPLAINT = "COMPLAINT"
    OTHER = "OTHER"


# What a blocked user's own row says: the two the code wrote before entries existed keep
# their words (START lifts only the row its STOP caused).
_BLOCKED_BECAUSE = {DoNotCallReason.SMS_STOP: OPT_OUT_REASON,
                    DoNotCallReason.DISPOSITION: "agent recorded DO_NOT_CALL"}


def blocked_because(reason: DoNotCallReason) -> str:
    return _BLOCKED_BECAUSE.get(reason, f"do-not-call: {reason.value.lower()}")


class InvalidDoNotCall(ValueError):
    """A do-not-call change refused, with the reason; nothing changed."""


@dataclass(frozen=True, slots=True)
class DoNotCallEntry:
    id: int
    user_id: int | None
    e164: str | None
    reason: DoNotCallReason
    note: str | None
    created_at: datetime
    created_by: uuid.UUID | None  # None: the customer (STOP) or the system


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A checked entry to add: exactly one of ``user_id`` and ``e164``."""

    user_id: int | None
    e164: str | None
    reason: DoNotCallReason
    note: str | None


@dataclass(frozen=True, slots=True)
class DoNotCallPage:
    entries: list[DoNotCallEntry]
    total: int
    has_next: bool


def check_new_entry(user_id: int | None, phone_number: str | None, reason: DoNotCallReason,
                    note: str | None) -> NewEntry:
    """What a supervisor adds; InvalidDoNotCall names what is wrong."""
    if (user_id is None) == (phone_number is None):
        raise InvalidDoNotCall("give exactly one of userId and phoneNumber")
    if reason is DoNotCallReason.SMS_STOP:
        raise InvalidDoNotCall("SMS_STOP entries come only from the customer's STOP")
    e164 = None
    if phone_number is not None:
        e164 = to_e164(phone_number)
        if e164 is None:
            raise InvalidDoNotCall(f"phoneNumber {phone_number!r} is not a valid phone number "
                                   "(E.164, or a UK number as written)")
    return NewEntry(user_id, e164, reason, check_note(note))


def check_note(note: str | None, *, required: bool = False) -> str | None:
    clean = (note or "").strip() or None
    if clean is None and required:
        raise InvalidDoNotCall("a note is required: say why the entry goes")
    if clean is not None and len(clean) > MAX_NOTE_LENGTH:
        raise InvalidDoNotCall(f"note is longer than {MAX_NOTE_LENGTH} characters")
    if has_nul(clean):
        raise InvalidDoNotCall(f"note {NUL_REFUSED}")
    return clean


def check_removal(entry: DoNotCallEntry | None, entry_id: int) -> DoNotCallEntry:
    if entry is None:
        raise InvalidDoNotCall(f"there is no do-not-call entry {entry_id} on the list")
    if entry.reason is DoNotCallReason.SMS_STOP:
        raise InvalidDoNotCall("an SMS opt-out is lifted only by the customer texting START")
    return entry
