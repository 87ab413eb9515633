"""What a call ended with, as an agent records it."""

from __future__ import annotations

from enum import StrEnum


class CallOutcome(StrEnum):
    CONTACTED = "contacted"
    COMPLETED_FORM = "completed_form"
    GOING_TO_COMPLETE = "going_to_complete"
    MIGHT_COMPLETE = "might_complete"
    CALLBACK_REQUESTED = "callback_requested"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    LEFT_VOICEMAIL = "left_voicemail"
    HUNG_UP = "hung_up"
    FAILED = "failed"
    NOT_INTERESTED = "not_interested"
    WRONG_NUMBER = "wrong_number"
    NO_CLAIM = "no_claim"
    DO_NOT_CALL = "do_not_call"


def known_outcome(value: str | None) -> CallOutcome | None:
    """The outcome a stored value names; None for none, or for one no longer known."""
    return CallOutcome(value) if value in CallOutcome._value2member_map_ else None


# A call "reached" the user unless it ended with one of these.
NOT_REACHED = frozenset({
    CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.FAILED,
    CallOutcome.LEFT_VOICEMAIL, CallOutcome.WRONG_NUMBER,
})
FAILED_ATTEMPT = frozenset({CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.FAILED})
