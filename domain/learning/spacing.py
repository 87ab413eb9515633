"""How soon to try again after a missed call: contacts against expected, by the gap since it.

Every call that followed a missed call to the same user had an expectation: the user's
learned p(contact) in that call's London hour (domain.learning.contact_windows). Summed per
gap since the missed call, contacts over expected tells how much a retry that soon reaches
below (or above) what the hour alone promises: people away or busy that day, or tired of
the phone. Each gap's ratio is shrunk toward 1 with a gamma prior on a Poisson rate: the
posterior mean is (contacts + s) / (expected + s) with s = SPACING_STRENGTH expected
contacts, so a gap with a handful of calls says little and one with hundreds decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.learning.contact_windows import HOURS, ContactModel, Counts

GAP_EDGES = (2, 6, 24, 48, 96)  # hours: where each gap after the first (under 2 h) starts
SPACING_STRENGTH = 20.0  # the prior's weight, in expected contacts

SpacingCounts = Mapping[tuple[int, int, int], Counts]  # (user, London hour, gap) → counts


@dataclass(frozen=True, slots=True)
class GapRate:
    """Calls ``gap`` (an index into gaps) after a missed call: what they reached against
    what their hours promised, and the shrunk ratio of the two."""

    gap: int
    calls: int
    contacts: int
    expected: float
    ratio: float
    confidence: float  # 0..1: the share of the ratio its own calls decide

    @property
    def label(self) -> str:
        return gap_label(self.gap)


def gap_of(elapsed: timedelta) -> int:
    """The gap ``elapsed`` since a missed call falls in (0: under the first edge)."""
    hours = elapsed / timedelta(hours=1)
    return sum(1 for edge in GAP_EDGES if hours >= edge)


def gap_label(gap: int) -> str:
    """The gap said of a retry: "within 2 h of a missed call", "6 h to 1 day after" one."""
    if gap == 0:
        return f"within {GAP_EDGES[0]} h of a missed call"
    low = GAP_EDGES[gap - 1]
    if gap == len(GAP_EDGES):
        return f"{_span(low)} or more after a missed call"
    high = GAP_EDGES[gap]
    if (low % 24 == 0) == (high % 24 == 0):  # one unit: "2 to 6 h", "1 to 2 days"
        return f"{_span(low).split()[0]} to {_span(high)} after a missed call"
    return f"{_span(low)} to {_span(high)} after a missed call"


def _span(hours: int) -> str:
    if hours % 24:
        return f"{hours} h"
    days = hours // 24
    return f"{days} day{'s' * (days != 1)}"


def gap_edges_seconds() -> list[float]:
    """The edges in seconds, as a store counts gaps (every gap's lower bound but the first)."""
    return [edge * 3600.0 for edge in GAP_EDGES]


def next_gap_edge(missed_at: datetime, now: datetime) -> datetime | None:
    """The first time after ``now`` a retry after ``missed_at`` moves to the next gap."""
    later = [missed_at + timedelta(hours=edge) for edge in GAP_EDGES]
    return min((t for t in later if t > now), default=None)


def learn_spacing(counts: SpacingCounts, contact: ContactModel,
                  segment_of: Mapping[int, str]) -> dict[int, GapRate]:
    """Each gap with calls: contacts against the users' learned hour rates, shrunk toward 1."""
    totals: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for (user_id, hour, gap), (contacts, calls) in counts.items():
        if hour not in HOURS or calls <= 0:
            continue
        expected = contact.of_user(user_id, segment_of.get(user_id, ""))[hour].estimate
        total = totals[gap]
        total[0] += calls
        total[1] += contacts
        total[2] += calls * expected
    return {gap: GapRate(gap, int(calls), int(contacts), expected,
                         (contacts + SPACING_STRENGTH) / (expected + SPACING_STRENGTH),
                         expected / (expected + SPACING_STRENGTH))
            for gap, (calls, contacts, expected) in sorted(totals.items())}
