"""Which common question a customer's text asks, by simple keyword rules."""

from __future__ import annotations

import re
from enum import StrEnum

from domain.links.model import Purpose


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


# A question these topics ask is best answered with a link of the user's own: how to sign,
# with the link to sign.
_LINKS = {Topic.SIGN: Purpose.SIGN}
# Where the link's URL goes in a reply set's linked answer.
LINK_SLOT = "{link}"


def link_purpose(topic: Topic) -> Purpose | None:
    """The kind of magic link the answer on ``topic`` carries; None: a plain answer."""
    return _LINKS.get(topic)


def with_link(template: str, url: str) -> str:
    """A linked answer with the URL in its slot (only the slot: the URL is never parsed)."""
    return template.replace(LINK_SLOT, url)


def topic_of(normalised: str) -> Topic | None:
    """The topic a normalised question asks about; None when no rule fits."""
    return next((topic for topic, rule in _RULES if rule.search(normalised)), None)
