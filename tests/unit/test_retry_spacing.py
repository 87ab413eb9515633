"""Retry spacing: contacts against expected by the gap since a missed call, learned and
shrunk toward 1; the retry_spacing factor's points, evidence, and the moments it moves at."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calls.outcomes import CallOutcome
from domain.learning.contact_windows import HOURS, learn_contact
from domain.learning.spacing import (
    GAP_EDGES,
    SPACING_STRENGTH,
    GapRate,
    gap_label,
    gap_of,
    learn_spacing,
)
from domain.scoring.drift import next_change
from domain.scoring.engine import ScoringFacts, score, score_total
from domain.scoring.habits import SnapshotTables
from domain.scoring.rules import DEFAULT_RULE_SET_DOCUMENT, parse_rule_set, validate_rule_set

NOW = datetime(2025, 6, 18, 13, 0, tzinfo=UTC)  # a Wednesday, 14:00 in London
SPACING = {0: GapRate(0, 400, 30, 60.0, 0.5, 0.75), 1: GapRate(1, 300, 40, 50.0, 0.8, 0.7),
           2: GapRate(2, 800, 120, 120.0, 1.0, 0.86), 3: GapRate(3, 500, 96, 80.0, 1.2, 0.8),
           4: GapRate(4, 200, 40, 40.0, 1.0, 0.67), 5: GapRate(5, 50, 12, 10.0, 2.5, 0.3)}
TABLES = SnapshotTables(2, spacing=SPACING)


def facts(**overrides) -> ScoringFacts:
    values = dict(user_id=1, date_of_birth=None, open_claims=(), post_code=None,
                  last_outcome=CallOutcome.NO_ANSWER, last_reached_at=None, failed_attempts=1,
                  last_called_at=NOW - timedelta(hours=1))
    return ScoringFacts(**{**values, **overrides})


def rules(points: float = -40, tables: SnapshotTables | None = TABLES):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["learned"] = {"snapshot": "active", "retry_spacing": {"points": points}}
    parsed = parse_rule_set(document)
    return replace(parsed, learned=parsed.learned.loaded(tables, None))


def spacing_of(found):
    return [f for f in found.factors if f.name == "retry_spacing"]


# The gaps

@pytest.mark.parametrize("hours, gap", [(0, 0), (1.99, 0), (2, 1), (5.9, 1), (6, 2),
                                        (23.9, 2), (24, 3), (47, 3), (48, 4), (96, 5),
                                        (1000, 5)])
def test_each_gap_starts_at_its_edge(hours, gap):
    assert gap_of(timedelta(hours=hours)) == gap


def test_the_gaps_are_said_in_words():
    assert [gap_label(g) for g in range(len(GAP_EDGES) + 1)] == [
        "within 2 h of a missed call", "2 to 6 h after a missed call",
        "6 h to 1 day after a missed call", "1 to 2 days after a missed call",
        "2 to 4 days after a missed call", "4 days or more after a missed call"]


# Learning

def _flat(rate: float, calls: int = 40) -> dict[int, tuple[int, int]]:
    return {h: (round(rate * calls), calls) for h in HOURS}


def test_a_gap_with_few_calls_stays_near_one_and_a_large_one_speaks_for_itself():
    history = {u: _flat(0.3) for u in range(1, 51)}
    contact = learn_contact(history, {})
    few = {(1, 10, 0): (0, 3)}  # 3 calls, none reached, where 0.9 were expected
    large = {(u, h, 1): (3, 20) for u in range(1, 51) for h in (10, 11)}  # 0.15 against 0.3
    learned = learn_spacing({**few, **large}, contact, {})
    assert learned[0].calls == 3 and learned[0].contacts == 0
    assert learned[0].ratio == pytest.approx(SPACING_STRENGTH / (0.9 + SPACING_STRENGTH),
                                             rel=0.02)
    assert learned[0].ratio > 0.95 and learned[0].confidence < 0.05
    assert learned[1].expected == pytest.approx(2000 * 0.3, rel=0.02)
    assert learned[1].ratio == pytest.approx((300 + 20) / (600 + 20), rel=0.02)
    assert learned[1].confidence > 0.95


def test_the_expectation_is_each_users_own_hour():
    # user 1 answers mornings, user 2 afternoons: both reached as often as their hour
    # promises, so the gap is at 1 though one answers 0.7 and the other 0.1
    morning = {h: (28 if h < 12 else 4, 40) for h in HOURS}
    evening = {h: (4 if h < 12 else 28, 40) for h in HOURS}
    contact = learn_contact({1: morning, 2: evening}, {})
    p1, p2 = contact.users[1][9].estimate, contact.users[2][9].estimate
    counts = {(1, 9, 2): (round(p1 * 200), 200), (2, 9, 2): (round(p2 * 200), 200)}
    assert learn_spacing(counts, contact, {})[2].ratio == pytest.approx(1.0, abs=0.03)


def test_calls_outside_the_calling_hours_are_not_counted():
    contact = learn_contact({1: _flat(0.3)}, {})
    assert learn_spacing({(1, 21, 0): (0, 5)}, contact, {}) == {}


# The factor

def test_a_retry_too_soon_after_a_miss_waits_and_says_why():
    [part] = spacing_of(score(facts(), rules(), NOW))
    assert part.points == 20.0  # -40 x (0.5 - 1)
    assert part.reason == ("Last called 1 h ago and missed: calls within 2 h of a missed "
                           "call reach 0.50 times what their hours promise (30 contacts where "
                           "60 were expected, 400 calls): +20")


def test_a_gap_that_reaches_more_comes_sooner_and_the_ratio_is_held_within_one():
    day_after = facts(last_called_at=NOW - timedelta(hours=30))
    [part] = spacing_of(score(day_after, rules(), NOW))
    assert part.points == -8.0  # -40 x (1.2 - 1)
    assert part.reason.startswith("Last called 30 h ago and missed: calls 1 to 2 days after")
    long_after = facts(last_called_at=NOW - timedelta(days=9))
    [held] = spacing_of(score(long_after, rules(), NOW))
    assert held.points == -40.0  # 2.5 - 1 held at 1
    assert "Last called 9 days ago" in held.reason


@pytest.mark.parametrize("changed", [
    {"last_outcome": CallOutcome.CONTACTED},  # the last call reached them
    {"last_outcome": None},
    {"last_called_at": None},  # never called
])
def test_no_spacing_points_unless_the_last_call_missed(changed):
    assert not spacing_of(score(facts(**changed), rules(), NOW))


def test_no_spacing_without_a_snapshot_or_its_gap():
    assert not spacing_of(score(facts(), rules(tables=None), NOW))
    assert not spacing_of(score(facts(), rules(tables=SnapshotTables(2)), NOW))
    plain = score(facts(), rules(tables=None), NOW)
    default = score(facts(), parse_rule_set(DEFAULT_RULE_SET_DOCUMENT), NOW)
    assert plain.total == default.total


@pytest.mark.parametrize("section, path", [
    ({"snapshot": "active", "retry_spacing": {}}, "learned.retry_spacing.points"),
    ({"snapshot": "active", "retry_spacing": {"points": "soon"}},
     "learned.retry_spacing.points"),
    ({"snapshot": "active", "retry_spacing": {"points": -5, "gaps": [1]}},
     "learned.retry_spacing.gaps"),
])
def test_a_bad_retry_spacing_names_its_path(section, path):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["learned"] = section
    assert path in [p.path for p in validate_rule_set(document)]


# When it moves

def test_the_score_moves_when_the_retry_reaches_its_next_gap():
    user = facts(last_called_at=NOW - timedelta(minutes=30))
    assert next_change(user, rules(), NOW) == NOW + timedelta(minutes=90)
    assert next_change(user, rules(), NOW + timedelta(hours=2)) == NOW + timedelta(hours=5.5)
    far = NOW + timedelta(days=5)
    assert next_change(user, rules(), far) is None  # past the last edge: no more drift


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 6 * 24 * 60), st.integers(0, 5 * 24 * 60),
       st.sampled_from([CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.CONTACTED]))
def test_the_score_never_changes_before_its_next_change(minutes, since, outcome):
    user = facts(last_called_at=NOW - timedelta(minutes=since), last_outcome=outcome,
                 date_of_birth=date(1980, 2, 29))
    now = NOW + timedelta(minutes=minutes)
    change = next_change(user, rules(), now)
    if change is None:
        later = now + timedelta(days=30)
        assert score_total(user, rules(), later) == score_total(user, rules(), now)
        return
    assert change > now
    just_before = change - timedelta(seconds=1)
    assert score_total(user, rules(), just_before) == score_total(user, rules(), now)
