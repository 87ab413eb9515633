"""How each user prefers to be reached: their call-answer rate against their text-reply rate,
each shrunk toward everyone's (domain.learning.shrinkage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.history.records import Channel
from domain.learning.shrinkage import Rate, pooled, prior_strength, shrunk
from domain.scoring.habits import Evidence, preferred_channel

Counts = tuple[int, int]  # (answered or replied, calls or texts)


@dataclass(frozen=True, slots=True)
class ChannelPreference:
    calls: Rate
    texts: Rate

    @property
    def preferred(self) -> Channel | None:
        """The channel whose rate is clearly higher (None: neither, or no evidence): the
        rule scoring applies (domain.scoring.habits.preferred_channel)."""
        return preferred_channel(as_evidence(self.calls), as_evidence(self.texts))

    @property
    def evidence(self) -> str:
        c, t = self.calls, self.texts
        return (f"answers {c.successes} of {c.trials} calls (p = {c.estimate:.2f}), "
                f"replies to {t.successes} of {t.trials} texts (p = {t.estimate:.2f})")


def as_evidence(rate: Rate) -> Evidence:
    """What scoring reads of a learned rate."""
    return Evidence(rate.successes, rate.trials, rate.estimate, rate.confidence)


def learn_channels(calls: Mapping[int, Counts], texts: Mapping[int, Counts]
                   ) -> dict[int, ChannelPreference]:
    """Every user with calls or texts: both rates, shrunk toward everyone's."""
    found = {}
    call_centre, text_centre = pooled(list(calls.values())), pooled(list(texts.values()))
    call_strength = prior_strength(list(calls.values()), call_centre)
    text_strength = prior_strength(list(texts.values()), text_centre)
    for user_id in sorted(calls.keys() | texts.keys()):
        answered, made = calls.get(user_id, (0, 0))
        replied, sent = texts.get(user_id, (0, 0))
        found[user_id] = ChannelPreference(
            shrunk(answered, made, call_centre, call_strength),
            shrunk(replied, sent, text_centre, text_strength))
    return found
