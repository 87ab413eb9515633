"""Each user's chance of answering per London hour of the calling day, learned from calls.

Everyone's rate per hour, and each segment's shrunk toward it (domain.learning.shrinkage,
the prior's strength estimated per hour from how the segments spread), speak for users
without calls of their own. A user's own rates start from their curve among the kinds of
day everyone's calls show (domain.learning.day_shapes), to which each of their calls, in
any hour, contributes; their own counts in an hour are then shrunk toward that curve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from domain.learning.day_shapes import fit, pattern_of
from domain.learning.shrinkage import Rate, pooled, prior_strength, shrunk

HOURS = tuple(range(8, 20))  # the hours a call may start in: 08:00 to 19:59, London time

Counts = tuple[int, int]  # (contacts, attempts)


@dataclass(frozen=True, slots=True)
class ContactModel:
    everyone: dict[int, Rate]  # by hour
    segments: dict[str, dict[int, Rate]]  # by segment, then hour
    users: dict[int, dict[int, Rate]]  # by user (those with any calls), then hour

    def of_user(self, user_id: int, segment: str) -> dict[int, Rate]:
        """The user's rates; their segment's (or everyone's) where they have no calls."""
        return self.users.get(user_id) or self.segments.get(segment) or self.everyone


def learn_contact(calls: Mapping[int, Mapping[int, Counts]],
                  segment_of: Mapping[int, str]) -> ContactModel:
    """``calls``: per user, per hour, (contacts, attempts); ``segment_of``: each user's."""
    by_segment: dict[str, dict[int, list[int]]] = defaultdict(
        lambda: {h: [0, 0] for h in HOURS})
    for user_id, hours in calls.items():
        totals = by_segment[segment_of.get(user_id, "")]
        for hour, (contacts, attempts) in hours.items():
            if hour in totals:
                totals[hour][0] += contacts
                totals[hour][1] += attempts
    everyone, segments = {}, {name: {} for name in by_segment}
    for hour in HOURS:
        groups = [(c[hour][0], c[hour][1]) for c in by_segment.values()]
        centre = pooled(groups)
        everyone[hour] = shrunk(sum(s for s, _ in groups), sum(n for _, n in groups),
                                centre, 0.0)
        strength = prior_strength(groups, centre)
        for name, counts in by_segment.items():
            segments[name][hour] = shrunk(counts[hour][0], counts[hour][1], centre, strength)
    return ContactModel(everyone, segments, _users(calls, everyone))


def _users(calls: Mapping[int, Mapping[int, Counts]],
           everyone: dict[int, Rate]) -> dict[int, dict[int, Rate]]:
    """Each user's rate per hour: their own counts shrunk toward their curve from the kinds
    of day (domain.learning.day_shapes), which every call of theirs shaped."""
    patterns = {u: pattern_of(hours, HOURS) for u, hours in calls.items()}
    shapes = fit(list(patterns.values()), [everyone[h].estimate for h in HOURS])
    curves = shapes.curves(list(patterns.values()))
    users: dict[int, dict[int, Rate]] = {}
    for user_id, hours in calls.items():
        curve = curves[patterns[user_id]]
        users[user_id] = {h: shrunk(*hours.get(h, (0, 0)), curve[i],
                                  shapes.own_strength)
                          for i, h in enumerate(HOURS)}
    return users


@dataclass(frozen=True, slots=True)
class Window:
    """A user's best hours: [start, end) London time, how likely they answer in them."""

    start: int
    end: int
    rate: Rate
    own: bool  # from the user's own calls (else from their segment's or everyone's)

    @property
    def evidence(self) -> str:
        r = self.rate
        who = "answers" if self.own else "no calls of their own; people like them answer"
        return (f"{who} {r.successes} of {r.trials} calls between {self.start:02d}:00 and "
                f"{self.end:02d}:00 (p(contact) = {r.estimate:.2f})")


def best_window(rates: Mapping[int, Rate], width: int = 2, *, own: bool = True) -> Window:
    """The ``width`` consecutive hours with the highest mean chance of an answer (the
    earliest on a tie), their evidence summed; ``own``: the rates are the user's."""
    best = None
    for start in HOURS[:len(HOURS) - width + 1]:
        hours = [rates[h] for h in range(start, start + width)]
        mean = sum(r.estimate for r in hours) / width
        if best is None or mean > best[0] + 1e-12:
            best = (mean, start, hours)
    mean, start, hours = best
    combined = Rate(sum(r.successes for r in hours), sum(r.trials for r in hours), mean,
                    min(r.low for r in hours), max(r.high for r in hours),
                    sum(r.strength for r in hours) / width)
    return Window(start, start + width, combined, own)
