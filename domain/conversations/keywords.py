"""Keyword rules: a message that can only mean opt-out (STOP) or opt-in (START).

Single words are read only as the whole message, so "I'll stop by later" or "end of the
month works" are left to the classifier. A few requests are unmistakable wherever they
stand ("what is this? remove me", "stop texting me or I'll complain"): opt-out wins.
"""

from __future__ import annotations

from itertools import product

from domain.conversations.model import Classification, Intent, Source

# One-word keywords, the carriers' own; domain.messaging.opt_out answers with these.
OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit",
                           "optout", "unsub"})
OPT_IN_WORDS = frozenset({"start", "unstop", "optin", "resubscribe"})

_OPT_OUT_PHRASES = (
    "stop all", "stop it", "opt out", "remove me", "remove my number", "delete my number",
    "take me off", "take me off your list", "remove me from your list",
    "stop texting", "stop texting me", "stop messaging me", "stop messages",
    "stop sending me messages", "stop contacting me", "stop calling me",
    "stop calling and texting me", "stop texting and calling me",
    "no more texts", "no more messages", "do not text me", "dont text me",
    "do not contact me", "dont contact me", "unsubscribe me", "opt me out",
)
_OPT_IN_PHRASES = ("opt in", "opt me in", "start again", "resubscribe me")
_BEFORE = ("", "please", "can you", "can you please", "could you please", "just")
_AFTER = ("", "please", "thanks", "thank you", "now", "now please", "asap", "immediately")


def _politely(cores: frozenset[str], before: tuple[str, ...] = _BEFORE,
              after: tuple[str, ...] = _AFTER) -> frozenset[str]:
    """Each core phrase with and without a polite or urgent word before and after it."""
    return frozenset(" ".join(part for part in parts if part)
                     for parts in product(before, cores, after))


# Alone these mean STOP, but "can you cancel" or "end asap" may be about a claim or a call.
_TERSE = frozenset({"cancel", "end", "quit"})
OPT_OUT_MESSAGES = (_politely(OPT_OUT_WORDS - _TERSE | frozenset(_OPT_OUT_PHRASES))
                    | _politely(_TERSE, before=("", "please"), after=("", "please", "thanks")))
OPT_IN_MESSAGES = _politely(OPT_IN_WORDS | frozenset(_OPT_IN_PHRASES))

# Requests to be left alone that mean it anywhere in a message, unless negated just before.
_ANYWHERE = (
    "remove me", "remove my number", "delete my number", "delete my details",
    "take me off your list", "unsubscribe me", "opt me out", "leave me alone",
    "stop texting me", "stop messaging me", "stop sending me messages", "stop contacting me",
    "dont text me", "do not text me", "dont message me", "do not message me",
    "dont contact me", "do not contact me", "no more texts", "no more messages",
    # Whoever they are asked not to text ("this number", "us", "my mum"), the texts must
    # stop; "stop calling" is left out, as "stop calling at work, ring after 6" is a callback.
    "stop texting", "stop messaging", "stop contacting", "lose my number", "lose this number",
)
_NEGATIONS = ("dont", "do not", "didnt", "did not", "never", "not", "wont", "will not")


def _asks_anywhere(normalised: str) -> bool:
    padded = f" {normalised} "
    for phrase in _ANYWHERE:
        at = padded.find(f" {phrase} ")
        while at >= 0:
            before = padded[:at].rstrip()
            if not any(before.endswith(f" {n}") or before == n for n in _NEGATIONS):
                return True
            at = padded.find(f" {phrase} ", at + 1)
    return False


_OPTED_OUT = Classification(Intent.OPT_OUT, 1.0, Source.KEYWORD, opt_out=1.0)
_OPTED_IN = Classification(Intent.OPT_IN, 1.0, Source.KEYWORD)


def keyword_intent(normalised: str) -> Classification | None:
    """OPT_OUT or OPT_IN when the whole normalised message is one of their phrases, or
    OPT_OUT when it holds an unmistakable request to be left alone."""
    if normalised in OPT_OUT_MESSAGES or _asks_anywhere(normalised):
        return _OPTED_OUT
    if normalised in OPT_IN_MESSAGES:
        return _OPTED_IN
    return None
