"""STOP-style replies and how to answer them."""

from __future__ import annotations

from enum import StrEnum

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
OPT_OUT_REASON = "SMS opt-out (STOP)"  # the do_not_call reason, so START can lift only its own
STOP_REPLY = ("You have been unsubscribed and will not receive further messages or calls "
              "from us. Reply START to undo.")
START_REPLY = "You have been resubscribed. Reply STOP to opt out."


class Keyword(StrEnum):
    STOP = "STOP"
    START = "START"


def keyword_of(body: str | None) -> Keyword | None:
    """STOP or START when the whole message is one of their words (any case/spacing)."""
    word = "".join((body or "").split()).upper().rstrip(".!")
    if word in STOP_WORDS:
        return Keyword.STOP
    if word in START_WORDS:
        return Keyword.START
    return None
