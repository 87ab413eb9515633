"""Kinds of answering day, learned from everyone's calls: a latent-class (mixture) model.

A user with four calls has at most four hours of evidence of their own, too few to rank
twelve hours by. But a miss at 10:00 and an answer at 18:30 say something about the other
ten hours too, once we know what kinds of day people have: some answer mornings, some
evenings, some lunchtimes. The model holds a few such kinds (as many as the data bear), each
an answer rate per hour, and a share of people; expectation-maximisation fits both to all
users' calls at once, each user weighted by how likely each kind makes their own answers and
misses. A user's curve is then the average of the kinds' curves by that weight: every call
of theirs, answered or not, in whatever hour, moves every hour of their curve.

It assumes nothing of the shapes (twelve free rates per kind) and that a user's calls are
independent given their kind; real days also vary by weekday and mood, which only blur the
kinds. The kinds are fitted on a fixed-size sample of users (FIT_USERS; users with the
same calls in the same hours once, with their count as weight), and only reading each
user's curve from them grows with the floor.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

# One kind (everyone alike) or six: the held-back calls pick. Between two and eight kinds
# they tell apart only by noise (one call per user), while six were never worse than fewer
# on simulated floors, their thin hours held toward everyone's rate (PRIOR_TRIALS).
CHOICES = (1, 6)
OWN_CHOICES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
MAX_OWN = 1000.0  # the user's own counts all but ignored: their curve decides
FIT_USERS = 12_000  # users the kinds are fitted on (each user's curve is still their own)
ITERATIONS = 40
TOLERANCE = 1e-7  # stop when the mean log-likelihood per call moves less than this
PRIOR_TRIALS = 2.0  # pseudo-calls at everyone's rate in every kind's every hour
FLOOR, CEILING = 0.005, 0.995

Pattern = tuple[tuple[int, int, int], ...]  # (hour index, contacts, attempts), by hour


@dataclass(frozen=True, slots=True)
class DayShapes:
    """The fitted kinds: ``rates[k][i]`` is kind k's answer rate in the i-th hour."""

    rates: tuple[tuple[float, ...], ...]
    shares: tuple[float, ...]
    # A user's own calls in an hour weigh against this many pseudo-calls at their curve's
    # rate (domain.learning.shrinkage.shrunk): chosen, like the kinds, by the held-back calls.
    own_strength: float = MAX_OWN

    def curves(self, patterns: Sequence[Pattern]) -> dict[Pattern, tuple[float, ...]]:
        """Each pattern's answer rate per hour: the kinds' rates weighted by how well each
        explains that pattern of calls."""
        logs, width = _logs(self), len(self.rates[0])
        out = {}
        for pattern in set(patterns):
            weights = _weighted(logs, pattern)[0]
            out[pattern] = tuple(_mixed(weights, self.rates, i) for i in range(width))
        return out


def pattern_of(hours: Mapping[int, tuple[int, int]], calling: Sequence[int]) -> Pattern:
    """A user's (contacts, attempts) by hour as a pattern over the ``calling`` hours."""
    return tuple((i, *hours[h]) for i, h in enumerate(calling) if hours.get(h, (0, 0))[1])


def fit(patterns: Sequence[Pattern], everyone: Sequence[float]) -> DayShapes:
    """The kinds that best explain these users' patterns, as many as best predict a call
    held back from each user (so that a floor with one kind of day is not split into kinds
    that only fit its noise); ``everyone``: the pooled rate per hour, where every kind
    starts (tilted toward a different part of the day) and what each kind's thin hours are
    held toward."""
    patterns = _sample(patterns, FIT_USERS)
    kept, held = _held_out(patterns)
    # The fewest kinds, and the strongest pull to them, on a tie: more must predict better.
    chosen = max((_fit(Counter(kept), everyone, classes) for classes in CHOICES),
                 key=lambda shapes: _predicts(shapes, kept, held, MAX_OWN))
    own = max((MAX_OWN, *reversed(OWN_CHOICES)), key=lambda m: _predicts(chosen, kept, held, m))
    return replace(_fit(Counter(patterns), everyone, len(chosen.shares)), own_strength=own)


def _sample(patterns: Sequence[Pattern], size: int) -> Sequence[Pattern]:
    """About ``size`` of the patterns, users picked by a hash of their place in the order
    given: the kinds are the floor's, and a sample of users pins them down as well as all
    of them would. (Every k-th would echo any period in the order; a hash of the pattern
    would keep or drop all users of a common pattern together.)"""
    if len(patterns) <= size:
        return patterns
    every = math.ceil(len(patterns) / size)
    return [p for i, p in enumerate(patterns) if zlib.crc32(b"%d" % i) % every == 0]


def _held_out(patterns: Sequence[Pattern]) -> tuple[list[Pattern], list[tuple[int, int] | None]]:
    """Each pattern less one of its calls (its hour and outcome drawn from a hash of the
    pattern, so the same calls always hold back the same one), and that call as (hour
    index, answered); None for a user with a single call."""
    kept, held = [], []
    for pattern in patterns:
        calls = sum(n for _, _, n in pattern)
        if calls < 2:
            kept.append(pattern)
            held.append(None)
            continue
        draw = zlib.crc32(repr(pattern).encode())  # fixed by the pattern, as if random
        at = draw % len(pattern)
        i, c, n = pattern[at]
        answered = int((draw // len(pattern)) % n < c)  # one of the hour's n calls
        rest = (i, c - answered, n - 1)
        kept.append(tuple(p if k != at else rest for k, p in enumerate(pattern) if k != at
                          or rest[2]))
        held.append((i, answered))
    return kept, held


def _predicts(shapes: DayShapes, kept: Sequence[Pattern],
              held: Sequence[tuple[int, int] | None], own: float) -> float:
    """The log-likelihood of the held-back calls, each from the rest of its user's: their
    curve, and their own counts in that hour weighed against ``own`` pseudo-calls."""
    logs, total = _logs(shapes), 0.0
    for pattern, call in zip(kept, held, strict=True):
        if call is None:
            continue
        weights = _weighted(logs, pattern)[0]
        i, answered = call
        p = _mixed(weights, shapes.rates, i)
        c, n = next(((c, n) for j, c, n in pattern if j == i), (0, 0))
        p = (c + own * p) / (n + own)
        total += math.log(p if answered else 1 - p)
    return total


def _fit(counted: Counter[Pattern], everyone: Sequence[float], classes: int) -> DayShapes:
    """EM from _start until the log-likelihood stops rising."""
    shapes, previous = _start(everyone, classes), -math.inf
    for _ in range(ITERATIONS):
        shapes, loglik = _step(shapes, counted, everyone)
        if loglik - previous < TOLERANCE:
            break
        previous = loglik
    return shapes


def _mixed(weights: Sequence[float], rates: Sequence[Sequence[float]], i: int) -> float:
    """The i-th hour's rate of the kinds mixed by ``weights``."""
    return sum(w * kind[i] for w, kind in zip(weights, rates, strict=True))


def _start(everyone: Sequence[float], classes: int) -> DayShapes:
    """Each kind favours a different stretch of the day, so that EM can tell them apart
    (deterministic: the same calls always give the same kinds)."""
    width = len(everyone)
    rates = []
    for k in range(classes):
        centre = (k + 0.5) * width / classes
        tilt = [math.exp(-((i + 0.5 - centre) / (width / classes)) ** 2) for i in range(width)]
        mean = sum(tilt) / width
        rates.append(tuple(_clamp(p * (0.6 + 0.4 * t / mean)) for p, t in
                           zip(everyone, tilt, strict=True)))
    return DayShapes(tuple(rates), (1.0 / classes,) * classes)


def _step(shapes: DayShapes, counted: Counter[Pattern], everyone: Sequence[float]
          ) -> tuple[DayShapes, float]:
    """One expectation-maximisation step, and the mean log-likelihood per call before it."""
    logs, width, classes = _logs(shapes), len(everyone), len(shapes.shares)
    hits = [[0.0] * width for _ in range(classes)]
    tries = [[0.0] * width for _ in range(classes)]
    share = [0.0] * classes
    loglik, calls = 0.0, 0
    for pattern, weight in counted.items():
        posterior, evidence = _weighted(logs, pattern)
        loglik += weight * evidence
        calls += weight * sum(n for _, _, n in pattern)
        for k, w in enumerate(posterior):
            share[k] += weight * w
            for i, c, n in pattern:
                hits[k][i] += weight * w * c
                tries[k][i] += weight * w * n
    total = sum(share) or 1.0
    rates = tuple(tuple(_clamp((hits[k][i] + PRIOR_TRIALS * everyone[i])
                               / (tries[k][i] + PRIOR_TRIALS)) for i in range(width))
                  for k in range(classes))
    shares = tuple(max(s / total, 1e-6) for s in share)
    return DayShapes(rates, shares), loglik / max(calls, 1)


Logs = tuple[tuple[float, ...], list[list[float]], list[list[float]]]


def _logs(shapes: DayShapes) -> Logs:
    return (tuple(math.log(s) for s in shapes.shares),
            [[math.log(r) for r in kind] for kind in shapes.rates],
            [[math.log(1 - r) for r in kind] for kind in shapes.rates])


def _weighted(logs: Logs, pattern: Pattern) -> tuple[tuple[float, ...], float]:
    """Each kind's posterior weight for this pattern, and the pattern's log-likelihood."""
    log_share, log_hit, log_miss = logs
    scores = [log_share[k] + sum(c * log_hit[k][i] + (n - c) * log_miss[k][i]
                                 for i, c, n in pattern) for k in range(len(log_share))]
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    total = sum(exp)
    return tuple(e / total for e in exp), top + math.log(total)


def _clamp(p: float) -> float:
    return min(CEILING, max(FLOOR, p))
