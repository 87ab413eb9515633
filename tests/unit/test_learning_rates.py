"""Channel preference, segment and agent conversion rates: shrunk, with evidence."""

from __future__ import annotations

import random

from domain.history.records import Channel
from domain.learning.channels import learn_channels
from domain.learning.conversions import learn_agents, shrunk_groups


def test_a_texter_prefers_sms_and_a_stranger_has_no_preference():
    rng = random.Random(1)
    calls = {u: (sum(rng.random() < 0.3 for _ in range(10)), 10) for u in range(200)}
    texts = {u: (sum(rng.random() < 0.3 for _ in range(10)), 10) for u in range(200)}
    calls[900], texts[900] = (1, 20), (18, 20)
    found = learn_channels(calls, texts)
    assert found[900].preferred is Channel.SMS
    assert "replies to 18 of 20 texts" in found[900].evidence
    texts[901] = (1, 1)  # one reply to one text: not a habit
    assert learn_channels(calls, texts)[901].preferred is None


def test_segments_and_agents_are_shrunk_toward_their_group():
    rates = shrunk_groups({"a": (50, 100), "b": (1, 2), "c": (10, 100)})
    assert rates["a"].estimate > rates["c"].estimate
    assert abs(rates["b"].estimate - 0.5) > 0.01  # two cases: pulled toward the rest
    agents = learn_agents({("ann", "UNSIGNED", "X"): (30, 100),
                           ("bob", "UNSIGNED", "X"): (10, 100),
                           ("cat", "UNSIGNED", "X"): (0, 1)})
    assert agents[("ann", "UNSIGNED", "X")].lift > 1 > agents[("bob", "UNSIGNED", "X")].lift
    assert 0.5 < agents[("cat", "UNSIGNED", "X")].lift < 1.5  # one case says little
