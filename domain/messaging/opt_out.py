"""STOP-style replies and how to answer them."""

from __future__ import annotations

from enum import StrEnum

from domain.conversations.keywords import OPT_IN_WORDS, OPT_OUT_WORDS

# The one-word keywords of domain.conversations.keywords, so both read the same words.
STOP_WORDS = frozenset(word.upper() for word in OPT_OUT_WORDS)
START_WORDS = frozenset(word.upper() for word in OPT_IN_WORDS)
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
