"""Intervals for the report: Wilson for a proportion, a paired bootstrap over users for
rates whose events cluster by user (a user's calls are not independent trials)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Z = 1.959964


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    low: float
    high: float

    def show(self, digits: int = 3, percent: bool = False) -> str:
        if percent:
            return (f"{self.estimate:.{digits - 2}%} [{self.low:.{digits - 2}%}, "
                    f"{self.high:.{digits - 2}%}]")
        return f"{self.estimate:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def wilson(successes: int, trials: int) -> Interval:
    if trials == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    p = successes / trials
    centre = (p + Z * Z / (2 * trials)) / (1 + Z * Z / trials)
    half = Z * math.sqrt(p * (1 - p) / trials + Z * Z / (4 * trials * trials)) \
        / (1 + Z * Z / trials)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


Statistic = Callable[[np.ndarray], np.ndarray]  # (resamples × users) weights → values


def intervals(statistics: dict[str, Statistic], users: int, seed: int,
              resamples: int = 2000, chunk: int = 100) -> dict[str, Interval]:
    """Each statistic on the data as it is, with a 95% percentile interval from resamples
    of the users (with replacement). Every statistic sees the same resamples, so a paired
    comparison (paired) keeps its pairing. A statistic takes the users' weights, one row
    per resample."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[np.ndarray]] = {name: [] for name in statistics}
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        picks = rng.integers(0, users, size=(size, users))
        picks += np.arange(size)[:, None] * users  # each row counts into its own block
        weights = np.bincount(picks.ravel(), minlength=size * users).reshape(size, users)
        weights = weights.astype(np.float64)
        for name, statistic in statistics.items():
            draws[name].append(statistic(weights))
    ones = np.ones((1, users))
    return {name: percentile_interval(float(statistic(ones)[0]), np.concatenate(draws[name]))
            for name, statistic in statistics.items()}


def percentile_interval(point: float, draws: np.ndarray) -> Interval:
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return Interval(point, float("nan"), float("nan"))
    low, high = np.percentile(finite, [2.5, 97.5])
    return Interval(point, float(low), float(high))


def ratio_of_sums(numerator: np.ndarray, denominator: np.ndarray | float) -> Statistic:
    """Σ w·num / Σ w·den per resample (den a per-user array, or a fixed total)."""
    def statistic(weights: np.ndarray) -> np.ndarray:
        top = weights @ numerator
        bottom = weights @ denominator if isinstance(denominator, np.ndarray) \
            else np.full(weights.shape[0], float(denominator))
        with np.errstate(divide="ignore", invalid="ignore"):
            return top / bottom
    return statistic


def mean_of(values: np.ndarray) -> Statistic:
    return ratio_of_sums(values, np.ones_like(values))


def paired(statistic_b: Statistic, statistic_a: Statistic) -> Statistic:
    """B's statistic over A's, on the same resample."""
    def statistic(weights: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return statistic_b(weights) / statistic_a(weights)
    return statistic
