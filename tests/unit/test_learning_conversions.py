"""Conversion segments: the lender a user is counted under, segment and agent rates shrunk
toward their queue's and team's, and one rule of which channel is preferred."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from domain.history.records import Channel
from domain.learning.channels import ChannelPreference, as_evidence
from domain.learning.conversions import learn_agents, learn_segments
from domain.learning.segments import conversion_key, learning_lender
from domain.learning.shrinkage import shrunk
from domain.scoring.habits import preferred_channel

OLD, NEW = datetime(2024, 1, 5, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)


def test_the_oldest_open_claim_names_the_lender_through_the_aliases():
    assert learning_lender((("Lloyds Bank", NEW), ("  Santander   UK ", OLD))) == "santander"
    assert learning_lender((("Santander UK", NEW), ("LLOYDS BANK", OLD))) == "lloyds"
    assert learning_lender((("Halifax", OLD),)) == "halifax"  # sister brands stay apart


def test_undated_unnamed_and_tied_claims():
    assert learning_lender(()) == "lender unknown"
    assert learning_lender(((None, OLD), ("  ", OLD))) == "lender unknown"
    assert learning_lender(((None, OLD), ("HSBC UK", NEW))) == "hsbc"  # names none: skipped
    assert learning_lender((("Barclays", None), ("Nationwide", NEW))) == "nationwide"
    naive = datetime(2024, 1, 5)  # the replica's naive times are UTC: no TypeError
    assert learning_lender((("Barclays", naive), ("hsbc", NEW))) == "barclays"
    tied = (("Lloyds", OLD), ("Barclays Bank", OLD))
    assert learning_lender(tied) == learning_lender(tied[::-1]) == "barclays"


def test_a_users_conversion_key():
    today = date(2026, 11, 24)
    assert conversion_key(date(1950, 5, 1), "ls1 4ap", (("Santander UK", OLD),), today) == (
        "60+", "LS", "santander")
    assert conversion_key(None, None, (), today) == (
        "age unknown", "area unknown", "lender unknown")


def test_segments_shrink_toward_their_own_queue():
    worked = {("60+", "LS", "santander", "UNSIGNED"): (40, 100),
              ("60+", "LS", "lloyds", "UNSIGNED"): (10, 100),
              ("under 30", "M", "hsbc", "UNSIGNED"): (1, 1),
              ("60+", "LS", "santander", "CALLBACK"): (90, 100),
              ("60+", "LS", "lloyds", "CALLBACK"): (80, 100)}
    rates = learn_segments(worked)
    assert (rates.queues["UNSIGNED"].successes, rates.queues["UNSIGNED"].trials) == (51, 201)
    assert rates.queues["UNSIGNED"].estimate == 51 / 201
    assert rates.queues["UNSIGNED"].confidence == 1.0  # everyone's: its own evidence decides
    one = rates.segments[("under 30", "M", "hsbc", "UNSIGNED")]
    assert abs(one.estimate - 51 / 201) < abs(1.0 - one.estimate)  # 1 of 1: near the queue
    assert one.confidence < 0.5
    # CALLBACK converts far better: it never pulls UNSIGNED's segments up.
    assert rates.segments[("60+", "LS", "lloyds", "UNSIGNED")].estimate < 0.2


def test_a_one_of_one_agent_is_pulled_toward_the_team():
    rng = random.Random(3)
    worked = {(f"agent{i}", "UNSIGNED", "santander"): (sum(rng.random() < 0.2
                                                          for _ in range(200)), 200)
              for i in range(8)}
    worked[("new", "UNSIGNED", "santander")] = (1, 1)
    found = learn_agents(worked)
    new = found[("new", "UNSIGNED", "santander")]
    team = sum(s for s, _ in worked.values()) / sum(n for _, n in worked.values())
    assert new.team.estimate == team
    assert team < new.agent.estimate < 0.4  # one conversion of one: close to the team
    assert new.agent.confidence < 0.2


def test_channel_preference_is_the_scoring_rule():
    rng = random.Random(5)
    for _ in range(300):
        made, sent = rng.randrange(0, 12), rng.choice([0, 5, 10])
        calls = shrunk(rng.randrange(0, made + 1), made, 0.3, rng.uniform(2, 50))
        texts = shrunk(rng.randrange(0, sent + 1), sent, 0.3, rng.uniform(2, 50))
        pref = ChannelPreference(calls, texts)
        assert pref.preferred is preferred_channel(as_evidence(calls), as_evidence(texts))
    answers, ignores = shrunk(18, 20, 0.3, 10), shrunk(1, 20, 0.3, 10)
    assert ChannelPreference(ignores, answers).preferred is Channel.SMS
    assert ChannelPreference(answers, ignores).preferred is Channel.CALL
    assert ChannelPreference(shrunk(0, 0, 0.3, 10), shrunk(0, 0, 0.6, 10)).preferred is None
