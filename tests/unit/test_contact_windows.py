"""Learning when each user answers: shrunk per hour, the best window and its evidence."""

from __future__ import annotations

import random

from domain.learning.contact_windows import HOURS, best_window, learn_contact


def _calls(rng, users, curve, per_hour):
    return {u: {h: (sum(rng.random() < curve(u, h) for _ in range(per_hour)), per_hour)
                for h in HOURS} for u in users}


def test_an_evening_answerer_s_best_window_is_the_evening():
    rng = random.Random(3)
    curve = lambda u, h: 0.7 if (u < 50 and h >= 18) else 0.1  # noqa: E731
    model = learn_contact(_calls(rng, range(200), curve, 6), {u: "all" for u in range(200)})
    window = best_window(model.users[7])
    assert (window.start, window.end) == (18, 20)
    assert window.rate.estimate > 0.4 and "calls between 18:00 and 20:00" in window.evidence
    daytime = best_window(model.users[150])
    assert daytime.rate.estimate < 0.3


def test_three_calls_do_not_make_a_habit():
    rng = random.Random(4)
    calls = _calls(rng, range(300), lambda u, h: 0.2, 8)
    calls[999] = {9: (3, 3)}  # answered all three calls at nine
    model = learn_contact(calls, {})
    nine = model.users[999][9]
    assert 0.2 < nine.estimate < 0.5 and nine.confidence < 0.5


def test_a_user_without_calls_gets_their_segment_s_rates():
    rng = random.Random(5)
    calls = _calls(rng, range(100), lambda u, h: 0.5 if u % 2 else 0.1, 10)
    segments = {u: "odd" if u % 2 else "even" for u in range(100)}
    model = learn_contact(calls, segments)
    assert model.of_user(12345, "odd")[10].estimate > model.of_user(12345, "even")[10].estimate
    assert model.of_user(12345, "unknown") is model.everyone
    assert "no calls of their own" in best_window(model.of_user(12345, "odd"), own=False
                                                  ).evidence
