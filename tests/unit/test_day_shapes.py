"""The kinds of answering day: every call of a user's, in any hour, shapes their curve."""

from __future__ import annotations

import random

from domain.learning.contact_windows import HOURS, learn_contact
from domain.learning.day_shapes import fit, pattern_of

MORNING = {h: 0.7 if h < 12 else 0.1 for h in HOURS}
EVENING = {h: 0.7 if h >= 16 else 0.1 for h in HOURS}


def _floor(users: int, calls_each: int, seed: int = 1) -> dict[int, dict[int, tuple[int, int]]]:
    """Half answer mornings, half evenings; each called a few times at random hours."""
    rng = random.Random(seed)
    out = {}
    for u in range(users):
        truth = MORNING if u % 2 else EVENING
        hours: dict[int, list[int]] = {}
        for _ in range(calls_each):
            h = rng.choice(HOURS)
            got = hours.setdefault(h, [0, 0])
            got[0] += rng.random() < truth[h]
            got[1] += 1
        out[u] = {h: (c, n) for h, (c, n) in hours.items()}
    return out


def test_an_answer_at_nine_and_a_miss_at_six_lift_the_hours_never_tried():
    calls = _floor(2000, 4)
    calls[9001] = {9: (1, 1), 18: (0, 1)}
    calls[9002] = {9: (0, 1), 18: (1, 1)}
    model = learn_contact(calls, {})
    morning, evening = model.users[9001], model.users[9002]
    # Neither was called at 10:00 or 19:00, yet their other calls tell those hours apart.
    assert morning[10].estimate > 2 * morning[19].estimate
    assert evening[19].estimate > 2 * evening[10].estimate
    assert morning[10].trials == 0 and morning[10].successes == 0


def test_the_kinds_found_are_the_floor_s_two_days():
    calls = _floor(3000, 5, seed=2)
    patterns = [pattern_of(hours, HOURS) for hours in calls.values()]
    everyone = [0.4] * len(HOURS)
    shapes = fit(patterns, everyone)
    assert fit(patterns, everyone) == shapes  # the same calls always give the same kinds
    big = [kind for kind, share in zip(shapes.rates, shapes.shares, strict=True) if share > 0.1]
    mornings = [k for k in big if sum(k[:4]) > 2 * sum(k[-4:])]
    evenings = [k for k in big if sum(k[-4:]) > 2 * sum(k[:4])]
    assert mornings and evenings


def test_one_kind_of_day_for_everyone_leaves_every_curve_flat():
    rng = random.Random(3)
    calls = {u: {h: (int(rng.random() < 0.3), 1) for h in rng.sample(HOURS, 4)}
             for u in range(2000)}
    model = learn_contact(calls, {})
    for rates in list(model.users.values())[:50]:
        assert max(r.estimate for r in rates.values()) - min(
            r.estimate for r in rates.values()) < 0.15


def test_a_sample_of_the_floor_finds_the_same_kinds(monkeypatch):
    from domain.learning import day_shapes

    calls = _floor(3000, 5, seed=2)
    calls[9001] = {9: (1, 1), 18: (0, 1)}
    monkeypatch.setattr(day_shapes, "FIT_USERS", 600)
    model = learn_contact(calls, {})
    assert len(model.users) == len(calls)  # every user's curve, from kinds fitted on 600
    assert model.users[9001][10].estimate > 2 * model.users[9001][19].estimate
