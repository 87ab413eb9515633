"""A user's contact profile from the active snapshot: their hours ranked, their channel
rates, and the evidence in words. A user without calls of their own gets their segment's
hours (or everyone's), never a habit of their own."""

from __future__ import annotations

from dataclasses import dataclass

from domain.history.records import Channel
from domain.learning.channels import ChannelPreference
from domain.learning.contact_windows import HOURS, best_window
from domain.learning.reads import EVERYONE, ActiveLearning, LearnedUser
from domain.learning.shrinkage import Rate

NO_CALLS = "no calls of their own"


@dataclass(frozen=True, slots=True)
class HourChance:
    hour: int  # London, the hour that starts at this time
    probability: float  # the shrunk chance of an answer
    attempts: int  # the user's own calls in this hour


@dataclass(frozen=True, slots=True)
class ContactProfile:
    user_id: int
    snapshot_version: int
    evidence: str
    call_answer_rate: float | None
    sms_reply_rate: float | None
    preferred_channel: Channel | None
    best_hours: tuple[HourChance, ...]  # most likely first


def contact_profile(active: ActiveLearning, user_id: int,
                    segment: str | None) -> ContactProfile | None:
    """``segment``: the user's, when the replica knows them. None: no row of their own and
    unknown to the replica."""
    own = active.users.get(user_id)
    if own is None and segment is None:
        return None
    if own is not None and own.estimates is not None:
        hours, habit = ranked(own.estimates, own.attempts), _own_window(own)
    else:
        hours, habit = _pooled(active, segment)
    if own is None:
        return ContactProfile(user_id, active.version, habit, None, None, None, hours)
    return ContactProfile(user_id, active.version, "; ".join(filter(None, [
        habit, _channel_evidence(own)])), own.call_rate, own.text_rate, own.preferred, hours)


def ranked(estimates: tuple[float, ...], attempts: tuple[int, ...] | None
           ) -> tuple[HourChance, ...]:
    """Every calling hour, the likeliest to answer first (the earlier on a tie)."""
    tried = attempts or (0,) * len(HOURS)
    hours = [HourChance(h, p, n) for h, p, n in zip(HOURS, estimates, tried, strict=True)]
    return tuple(sorted(hours, key=lambda c: (-c.probability, c.hour)))


def pooled_evidence(group: str, start: int, end: int, estimate: float) -> str:
    """The words for hours that come from a wider group than the user."""
    return (f"{NO_CALLS}; {group} answer best between {start:02d}:00 and {end:02d}:00 "
            f"(p(contact) = {estimate:.2f})")


def _rates(estimates: tuple[float, ...], contacts: tuple[int, ...] | None = None,
           attempts: tuple[int, ...] | None = None) -> dict[int, Rate]:
    # The snapshot keeps estimates and counts, not intervals; the wording uses neither.
    zeros = (0,) * len(HOURS)
    return {h: Rate(s, n, p, p, p) for h, p, s, n in
            zip(HOURS, estimates, contacts or zeros, attempts or zeros, strict=True)}


def _own_window(own: LearnedUser) -> str:
    return best_window(_rates(own.estimates, own.contacts, own.attempts)).evidence


def _pooled(active: ActiveLearning, segment: str | None) -> tuple[tuple[HourChance, ...], str]:
    if segment in active.segments:
        group, estimates = f"people like them ({segment})", active.segments[segment]
    elif EVERYONE in active.segments:
        group, estimates = "people in general", active.segments[EVERYONE]
    else:
        return (), NO_CALLS
    window = best_window(_rates(estimates), own=False)
    return (ranked(estimates, None),
            pooled_evidence(group, window.start, window.end, window.rate.estimate))


def _channel_evidence(own: LearnedUser) -> str | None:
    if own.call_rate is None or own.text_rate is None:
        return None
    return ChannelPreference(Rate(own.answered, own.calls, own.call_rate, own.call_rate,
                                  own.call_rate),
                             Rate(own.replied, own.texts, own.text_rate, own.text_rate,
                                  own.text_rate)).evidence
