"""What a learning snapshot tells scoring: one user's habits, and the snapshot's tables.

A user's habits travel with their scoring facts (and so with a queue entry's basis), so a
time-driven rescore needs nothing but the entry; the snapshot's tables (conversion rates per
segment and queue) travel with the rule set choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.history.records import Channel
from domain.learning.contact_windows import HOURS
from domain.learning.spacing import GapRate

PREFERENCE_MARGIN = 0.05  # a channel is preferred only when its rate is this much higher

@dataclass(frozen=True, slots=True)
class Evidence:
    """A shrunk rate and what it came from: ``successes`` of ``trials`` of its own;
    ``confidence`` 0..1 is the share of the estimate its own trials decide."""

    successes: int
    trials: int
    estimate: float
    confidence: float


@dataclass(frozen=True, slots=True)
class UserHabits:
    """One user's learned habits (only users with calls or texts of their own have any)."""

    window_start: int | None = None  # best London hours [start, end), from their own calls
    window_end: int | None = None
    window: Evidence | None = None
    calls: Evidence | None = None  # answered of calls made
    texts: Evidence | None = None  # replied to of texts sent
    hours: tuple[float, ...] | None = None  # learned p(contact) per London hour of HOURS

    def hour_rate(self, hour: int) -> float | None:
        """Their p(contact) in this London hour; None outside the hours or without any."""
        return _at(self.hours, hour)

    @property
    def preferred(self) -> Channel | None:
        return preferred_channel(self.calls, self.texts)


def _at(hours: tuple[float, ...] | None, hour: int) -> float | None:
    if not hours or hour not in HOURS:
        return None
    return hours[hour - HOURS[0]]


def everyone_at(tables: SnapshotTables | None, hour: int) -> float | None:
    """Everyone's p(contact) in this London hour, when the snapshot has it."""
    return _at(tables.hours, hour) if tables is not None else None


def preferred_channel(calls: Evidence | None, texts: Evidence | None) -> Channel | None:
    """The channel whose rate is clearly higher; None: neither, or no evidence of their own."""
    if not ((calls and calls.trials) or (texts and texts.trials)):
        return None
    call_rate = calls.estimate if calls else 0.0
    text_rate = texts.estimate if texts else 0.0
    if text_rate > call_rate + PREFERENCE_MARGIN:
        return Channel.SMS
    if call_rate > text_rate + PREFERENCE_MARGIN:
        return Channel.CALL
    return None


SegmentKey = tuple[str, str, str, str]  # (age band, postcode area, lender, queue type)


@dataclass(frozen=True, slots=True)
class SnapshotTables:
    """A snapshot's conversion rates: per segment (domain.learning.segments.conversion_key)
    and, for each queue, everyone's in it (what a segment's rate is set against); and
    everyone's p(contact) per London hour (what a user's is set against); and how retries
    after a missed call reach, by the gap since it (domain.learning.spacing)."""

    version: int
    conversions: Mapping[SegmentKey, Evidence] = field(default_factory=dict)
    baseline: Mapping[str, Evidence] = field(default_factory=dict)  # by queue type
    hours: tuple[float, ...] = ()  # per HOURS, like UserHabits.hours
    spacing: Mapping[int, GapRate] = field(default_factory=dict)  # by gap
