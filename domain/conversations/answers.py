"""Which common question a customer's text asks, by simple keyword rules."""

from __future__ import annotations

import re
from enum import StrEnum


class Topic(StrEnum):
    WHO = "WHO"  # who we are
    CLAIM = "CLAIM"  # what the claim is about
    SIGN = "SIGN"  # how to sign
    SCAM = "SCAM"  # whether this is a scam
    STOP = "STOP"  # how to stop the texts


# The first rule that matches wins: a worried "is this a scam, who are you" is answered
# on the scam.
_RULES = (
    (Topic.SCAM, re.compile(r"\b(?:scam|fraud|legit|legitimate|genuine|real|fake|spam)\b")),
    (Topic.STOP, re.compile(r"\b(?:stop|unsubscribe|opt out|remove me)\b")),
    (Topic.SIGN, re.compile(r"\b(?:sign|signature|form|docusign)\b")),
    (Topic.CLAIM, re.compile(r"\b(?:claim|about|compensation|money|refund|what is this)\b")),
    (Topic.WHO, re.compile(r"\b(?:who|company|name)\b")),
)


def topic_of(normalised: str) -> Topic | None:
    """The topic a normalised question asks about; None when no rule fits."""
    return next((topic for topic, rule in _RULES if rule.search(normalised)), None)
