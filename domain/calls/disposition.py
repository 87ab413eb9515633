"""What an agent records after a call, checked, and what it changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.calls.outcomes import FAILED_ATTEMPT, NOT_REACHED, CallOutcome
from domain.queue.calling_window import CallingWindow
from domain.text import NUL_REFUSED, has_nul

MAX_NOTES = 4000
MAX_CALL_SID = 64  # the column's width; Twilio's call SIDs have 34 characters
CALLBACK_HORIZON = timedelta(days=90)


class InvalidDisposition(ValueError):
    """A disposition or callback the rules refuse; the message says why."""


class NotYourCallback(PermissionError):
    """A personal callback another agent booked: only they or a supervisor may change it."""

    def __init__(self, callback_id: int):
        super().__init__(f"callback {callback_id} is another agent's personal callback: only "
                         "the agent who booked it, or a supervisor, may cancel or move it")
        self.callback_id = callback_id


@dataclass(frozen=True, slots=True)
class DispositionEffects:
    outcome: CallOutcome
    reached: bool
    failed_attempt: bool
    next_call_after: datetime | None
    block_wrong_number: bool
    block_no_claim: bool
    do_not_call: bool
    callback_at: datetime | None


def check_callback_time(at: datetime | None, now: datetime, window: CallingWindow) -> datetime:
    if at is None:
        raise InvalidDisposition("callbackAt is required when the outcome is CALLBACK_REQUESTED")
    if at.tzinfo is None:
        raise InvalidDisposition("callbackAt must carry a time zone (e.g. 2026-11-24T10:00Z)")
    if at <= now:
        raise InvalidDisposition("callbackAt must be in the future")
    if at > now + CALLBACK_HORIZON:
        raise InvalidDisposition("callbackAt must be within 90 days")
    closed = window.closed_reason(at)
    if closed:
        raise InvalidDisposition(f"callbackAt is {closed}")
    return at


def cooldown_until(outcome: CallOutcome, cooldowns: Mapping[str, int | str], now: datetime,
                   callback_at: datetime | None) -> datetime | None:
    """When the user may be called again; None when a block or the callback decides instead."""
    rule = cooldowns.get(outcome.value)
    if isinstance(rule, int):
        return now + timedelta(minutes=rule)
    if rule == "callback":
        return callback_at
    return None


def check_call_sid(call_sid: str | None) -> None:
    """A disposition's Twilio call, if any, as the rules accept it."""
    if call_sid is not None and len(call_sid) > MAX_CALL_SID:
        raise InvalidDisposition(f"callSid is longer than {MAX_CALL_SID} characters")
    if has_nul(call_sid):
        raise InvalidDisposition(f"callSid {NUL_REFUSED}")


def check_callback_note(note: str | None) -> None:
    """A callback's note as the rules accept it (as long as a disposition's notes)."""
    if note is not None and len(note) > MAX_NOTES:
        raise InvalidDisposition(f"note is longer than {MAX_NOTES} characters")
    if has_nul(note):
        raise InvalidDisposition(f"note {NUL_REFUSED}")


def effects_of(outcome: CallOutcome, notes: str | None, callback_at: datetime | None,
               now: datetime, window: CallingWindow, cooldowns: Mapping[str, int | str]
               ) -> DispositionEffects:
    if notes is not None and len(notes) > MAX_NOTES:
        raise InvalidDisposition(f"notes are longer than {MAX_NOTES} characters")
    if has_nul(notes):
        raise InvalidDisposition(f"notes {NUL_REFUSED}")
    if outcome is CallOutcome.CALLBACK_REQUESTED:
        callback_at = check_callback_time(callback_at, now, window)
    else:
        callback_at = None
    return DispositionEffects(
        outcome=outcome, reached=outcome not in NOT_REACHED,
        failed_attempt=outcome in FAILED_ATTEMPT,
        next_call_after=cooldown_until(outcome, cooldowns, now, callback_at),
        block_wrong_number=outcome is CallOutcome.WRONG_NUMBER,
        block_no_claim=outcome is CallOutcome.NO_CLAIM,
        do_not_call=outcome is CallOutcome.DO_NOT_CALL, callback_at=callback_at)
