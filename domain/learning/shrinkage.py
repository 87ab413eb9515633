"""Rates from small samples, shrunk toward a wider group's: beta-binomial empirical Bayes.

A user's answer rate at 18:00 from 3 calls says little; their segment's from 3,000 says
more, and everyone's more still. Each rate is the posterior mean of a beta prior centred
on the wider group's rate, with a strength (pseudo-trials) estimated from the data by the
method of moments: how far the groups' observed rates spread beyond what binomial noise
alone would give. Groups that really differ get a weak prior (their own evidence counts
for much); groups that differ only by noise get a strong one (they are pulled together).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_STRENGTH = 2.0  # never trust a group's own few trials entirely
MAX_STRENGTH = 1000.0  # nor let the prior drown a large sample
Z_95 = 1.959964


@dataclass(frozen=True, slots=True)
class Rate:
    """An estimated rate with its evidence and a 95% interval."""

    successes: int
    trials: int
    estimate: float
    low: float
    high: float
    strength: float = 0.0  # the prior's pseudo-trials it was shrunk with

    @property
    def confidence(self) -> float:
        """0 (no evidence of its own) to 1 (its own evidence decides): the share of the
        estimate that comes from the group itself rather than the prior."""
        return self.trials / (self.trials + self.strength) if self.trials else 0.0


def pooled(groups: Sequence[tuple[int, int]]) -> float:
    """Everyone's rate: all successes over all trials (0.0 without trials)."""
    trials = sum(n for _, n in groups)
    return sum(s for s, _ in groups) / trials if trials else 0.0


def prior_strength(groups: Sequence[tuple[int, int]], centre: float) -> float:
    """The beta prior's a + b for these (successes, trials) groups around ``centre``.

    Method of moments: the trial-weighted variance of the groups' rates less the binomial
    variance expected from their sizes is the prior's variance, p(1-p)/(a+b+1).
    """
    sized = [(s, n) for s, n in groups if n > 0]
    if len(sized) < 2 or not 0.0 < centre < 1.0:
        return MAX_STRENGTH
    total = sum(n for _, n in sized)
    observed = sum(n * (s / n - centre) ** 2 for s, n in sized) / total
    noise = centre * (1 - centre) * len(sized) / total
    spread = observed - noise
    if spread <= 0:
        return MAX_STRENGTH  # no more spread than noise: the groups are one
    strength = centre * (1 - centre) / spread - 1
    return min(MAX_STRENGTH, max(MIN_STRENGTH, strength))


def shrunk(successes: int, trials: int, centre: float, strength: float) -> Rate:
    """The posterior mean of Beta(strength·centre, strength·(1-centre)) after the group's
    own ``successes`` in ``trials``, with a normal-approximation 95% interval."""
    weight = trials + strength
    estimate = (successes + strength * centre) / weight if weight else centre
    half = Z_95 * math.sqrt(estimate * (1 - estimate) / (weight + 1))
    return Rate(successes, trials, estimate, max(0.0, estimate - half),
                min(1.0, estimate + half), strength)
