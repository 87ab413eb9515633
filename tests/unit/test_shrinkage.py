"""Shrinkage: three calls never make a habit; thousands do."""

from __future__ import annotations

import random

import pytest

from domain.learning.shrinkage import MAX_STRENGTH, pooled, prior_strength, shrunk


def test_a_tiny_sample_stays_near_the_wider_rate():
    rate = shrunk(3, 3, centre=0.2, strength=20)
    assert rate.estimate == pytest.approx((3 + 4) / 23)
    assert 0.2 < rate.estimate < 0.35 and rate.confidence < 0.15


def test_a_large_sample_speaks_for_itself():
    rate = shrunk(900, 1000, centre=0.2, strength=20)
    assert rate.estimate == pytest.approx(904 / 1020) and rate.confidence > 0.95
    assert rate.low < rate.estimate < rate.high and rate.high - rate.low < 0.05


def test_no_evidence_gives_the_wider_rate_and_no_confidence():
    rate = shrunk(0, 0, centre=0.3, strength=10)
    assert rate.estimate == pytest.approx(0.3) and rate.confidence == 0.0


def test_groups_that_differ_only_by_noise_are_pulled_together():
    rng = random.Random(5)
    groups = [(sum(rng.random() < 0.3 for _ in range(40)), 40) for _ in range(300)]
    assert prior_strength(groups, pooled(groups)) >= 200  # near the cap: one rate


def test_groups_that_really_differ_keep_their_own_rates():
    rng = random.Random(5)
    groups = []
    for _ in range(300):
        p = rng.choice([0.05, 0.6])
        groups.append((sum(rng.random() < p for _ in range(40)), 40))
    strength = prior_strength(groups, pooled(groups))
    assert strength < 10
    high = shrunk(24, 40, pooled(groups), strength)
    assert high.estimate > 0.5  # a real 60% answerer is not dragged to the mean


def test_too_few_groups_or_a_degenerate_centre_give_the_strongest_prior():
    assert prior_strength([(3, 10)], 0.3) == MAX_STRENGTH
    assert prior_strength([(0, 10), (0, 5)], 0.0) == MAX_STRENGTH
