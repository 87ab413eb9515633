"""The learned factor kinds: validated like the others, points that add up, evidence named,
and the moments they move at."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.scoring.drift import next_change
from domain.scoring.engine import ScoringFacts, score, score_total
from domain.scoring.habits import Evidence, SnapshotTables, UserHabits
from domain.scoring.learned_factors import channel_advice, segment_key
from domain.scoring.learned_rule_set import SHIPPED_YEARS, learned_rule_set_document
from domain.scoring.learned_rules import ContactPredictor, ModelFeatures
from domain.scoring.rules import (
    DEFAULT_RULE_SET_DOCUMENT,
    RuleSetInvalid,
    default_rule_set,
    parse_rule_set,
    validate_rule_set,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 6, 18, 17, 30, tzinfo=UTC)  # a Wednesday; 18:30 in London
WINDOW = Evidence(9, 12, 0.71, 0.8)
HABITS = UserHabits(18, 20, WINDOW, Evidence(3, 10, 0.3, 0.5), Evidence(5, 6, 0.7, 0.6))
PARTS = ("lender", "age", "time", "disposition", "adjustment", "learned")


def facts(**overrides) -> ScoringFacts:
    values = dict(user_id=1, date_of_birth=date(1970, 3, 1), open_claims=(("Santander UK",
                  datetime(2025, 5, 1, tzinfo=UTC)),), post_code="LS1 4AP",
                  last_outcome=None, last_reached_at=None, failed_attempts=0, habits=HABITS,
                  queue_type="UNSIGNED")
    return ScoringFacts(**{**values, **overrides})


def learned(section: dict | None = None, tables: SnapshotTables | None = None,
            predictor: ContactPredictor | None = None):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["learned"] = section or {"snapshot": "active", "calling_window": {"points": -20},
                                      "segment_conversion": {"points": -10},
                                      "preferred_channel": {"call_penalty": 10}}
    rules = parse_rule_set(document)
    return replace(rules, learned=rules.learned.loaded(tables, predictor))


TABLES = SnapshotTables(
    3, {("45-59", "LS", "santander", "UNSIGNED"): Evidence(30, 100, 0.3, 0.7)},
    {"UNSIGNED": Evidence(200, 1000, 0.2, 1.0)})


def by_name(breakdown, name):
    return [f for f in breakdown.factors if f.name == name]


# Validation

@pytest.mark.parametrize("section, path", [
    ({"snapshot": "latest"}, "learned.snapshot"),
    ({"snapshot": 0}, "learned.snapshot"),
    ({}, "learned.snapshot"),
    ({"snapshot": "active", "calling_window": {}}, "learned.calling_window.points"),
    ({"snapshot": "active", "calling_window": {"points": "x"}}, "learned.calling_window.points"),
    ({"snapshot": "active", "preferred_channel": {"call_penalty": -1}},
     "learned.preferred_channel.call_penalty"),
    ({"snapshot": "active", "model": {"points": -5}}, "learned.model.file"),
    ({"snapshot": "active", "model": {"file": "m.joblib", "points": -5, "enabled": "yes"}},
     "learned.model.enabled"),
    ({"snapshot": "active", "weather": {}}, "learned.weather"),
])
def test_a_bad_learned_section_names_its_path(section, path):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["learned"] = section
    assert path in [p.path for p in validate_rule_set(document)]
    with pytest.raises(RuleSetInvalid):
        parse_rule_set(document)


def test_the_shipped_learned_rule_set_is_what_its_code_writes_and_parses():
    days = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=SHIPPED_YEARS))
    shipped = json.loads((ROOT / "infrastructure/shipped_rule_sets/learned.json").read_text())
    assert shipped == learned_rule_set_document(days)
    rules = parse_rule_set(shipped)
    assert rules.learned.model.enabled is False  # the model is off in both shipped sets
    assert default_rule_set().learned is None
    names = [a.name for a in rules.adjustments]
    assert "Month end 2026-12" in names and any(n.startswith("Bank holiday week") for n in names)


def test_month_end_is_the_last_three_working_days():
    days = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=SHIPPED_YEARS))
    document = learned_rule_set_document(days)
    ends = {a["name"]: a["when"] for a in document["adjustments"]}
    # August 2026 ends on a Monday bank holiday: Wed 26, Thu 27, Fri 28.
    assert ends["Month end 2026-08"] == {"date_from": "2026-08-26", "date_to": "2026-08-28"}
    assert ends["Month end 2026-12"] == {"date_from": "2026-12-29", "date_to": "2026-12-31"}


# Points and evidence

def test_in_their_best_hours_the_window_gives_points_times_confidence():
    found = score(facts(), learned(tables=TABLES), NOW)
    [window] = by_name(found, "calling_window")
    assert window.points == -16.0  # -20 x 0.8
    assert "answers 9 of 12 calls between 18:00 and 20:00" in window.reason


def test_outside_their_best_hours_the_window_gives_nothing_and_says_so():
    found = score(facts(), learned(tables=TABLES), NOW - timedelta(hours=3))
    [window] = by_name(found, "calling_window")
    assert window.points == 0 and window.reason.startswith("Outside their best hours")


def test_the_segment_gives_points_from_its_rate_against_the_queue():
    found = score(facts(), learned(tables=TABLES), NOW)
    [segment] = by_name(found, "segment_conversion")
    assert segment.points == -5.0  # 0.3 / 0.2 - 1 = 0.5 of -10
    assert "45-59 · LS · santander in UNSIGNED" in segment.reason
    assert segment_key(facts(), NOW) == ("45-59", "LS", "santander", "UNSIGNED")


def test_the_segment_lift_is_held_within_plus_and_minus_one():
    tables = replace(TABLES, conversions={k: Evidence(90, 100, 0.9, 1.0)
                                          for k in TABLES.conversions})
    [segment] = by_name(score(facts(), learned(tables=tables), NOW), "segment_conversion")
    assert segment.points == -10.0


def test_a_text_preferring_user_gets_the_call_penalty_and_a_recommendation():
    [channel] = by_name(score(facts(), learned(tables=TABLES), NOW), "preferred_channel")
    assert channel.points == 10.0 and "text rather than call" in channel.reason
    assert "replies to 5 of 6 texts" in channel.reason
    calls = replace(HABITS, calls=Evidence(8, 10, 0.8, 0.5))
    [channel] = by_name(score(facts(habits=calls), learned(tables=TABLES), NOW),
                        "preferred_channel")
    assert channel.points == 0 and channel.reason.startswith("Prefers calls")


class FixedModel(ContactPredictor):
    def __init__(self, p: float):
        self.p, self.seen = p, []

    def probability(self, features: ModelFeatures) -> float:
        self.seen.append(features)
        return self.p


def test_the_model_factor_is_explained_as_its_probability():
    model = FixedModel(0.31)
    section = {"snapshot": "active", "model": {"file": "m.joblib", "points": -20,
                                               "enabled": True}}
    [part] = by_name(score(facts(), learned(section, TABLES, model), NOW), "model")
    assert part.points == -6.2 and part.reason == "model: p(contact) = 0.31: -6.2"
    assert model.seen[0].london_hour == 18 and model.seen[0].age == 55
    off = {**section, "model": {**section["model"], "enabled": False}}
    assert not by_name(score(facts(), learned(off, TABLES, model), NOW), "model")


@settings(max_examples=200, deadline=None)
@given(st.floats(-50, 50), st.floats(-50, 50), st.floats(0, 50),
       st.floats(0.0, 1.0), st.integers(0, 23 * 60))
def test_the_learned_points_add_up_exactly(window, segment, penalty, confidence, minutes):
    section = {"snapshot": "active", "calling_window": {"points": window},
               "segment_conversion": {"points": segment},
               "preferred_channel": {"call_penalty": penalty}}
    habits = replace(HABITS, window=replace(WINDOW, confidence=confidence))
    now = NOW.replace(hour=0, minute=0) + timedelta(minutes=minutes)
    found = score(facts(habits=habits), learned(section, TABLES), now)
    total = sum((Decimal(repr(getattr(found, p))) for p in PARTS), Decimal(0))
    assert Decimal(repr(found.total)) == total
    learned_sum = sum((Decimal(repr(f.points)) for f in found.factors
                       if f.name in ("calling_window", "segment_conversion",
                                     "preferred_channel")), Decimal(0))
    assert Decimal(repr(found.learned)) == learned_sum
    assert score_total(facts(habits=habits), learned(section, TABLES), now) == found.total


def test_users_with_no_history_score_as_with_the_default_rules():
    plain = facts(habits=None)
    no_segment = replace(TABLES, conversions={})
    rules = learned(tables=no_segment)
    for hours in range(0, 24, 3):
        now = NOW + timedelta(hours=hours)
        assert score(plain, rules, now).total == score(plain, default_rule_set(), now).total
        assert not [f for f in score(plain, rules, now).factors if f.name in (
            "calling_window", "preferred_channel", "segment_conversion")]


def test_no_snapshot_loaded_gives_no_segment_points():
    assert not by_name(score(facts(), learned(tables=None), NOW), "segment_conversion")


# When they move

def test_the_window_moves_the_score_at_its_edges():
    rules = learned(tables=TABLES)
    before = NOW.replace(hour=10)  # 11:00 London
    # No other drift: reached never, claims capped at the age the rules cap them.
    plain = facts(open_claims=(), date_of_birth=None)
    assert next_change(plain, rules, before) == datetime(2025, 6, 18, 17, 0, tzinfo=UTC)
    assert next_change(plain, rules, NOW) == datetime(2025, 6, 18, 19, 0, tzinfo=UTC)
    assert next_change(plain, rules, NOW.replace(hour=20)) == datetime(
        2025, 6, 19, 17, 0, tzinfo=UTC)


def test_the_window_edge_follows_london_across_the_clock_change():
    rules = learned(tables=TABLES)
    plain = facts(open_claims=(), date_of_birth=None)
    saturday = datetime(2025, 10, 25, 20, 0, tzinfo=UTC)  # clocks go back that night
    assert next_change(plain, rules, saturday) == datetime(2025, 10, 26, 18, 0, tzinfo=UTC)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 3 * 24 * 60), st.integers(8, 18))
def test_the_score_never_changes_before_its_next_change(minutes, start):
    rules = learned(tables=TABLES)
    habits = replace(HABITS, window_start=start, window_end=start + 2)
    user = facts(habits=habits, last_reached_at=NOW - timedelta(days=2))
    now = NOW + timedelta(minutes=minutes)
    change = next_change(user, rules, now)
    assert change is not None and change > now
    just_before = change - timedelta(seconds=1)
    assert score_total(user, rules, just_before) == score_total(user, rules, now)


def test_the_channel_advice_names_a_rate_with_no_trials_as_everyones():
    learned = parse_rule_set(learned_rule_set_document(frozenset())).learned
    never_called = UserHabits(calls=Evidence(0, 0, 0.2, 0.0), texts=Evidence(5, 6, 0.7, 0.6))
    assert channel_advice(never_called, learned) == (
        "Text rather than call: not called yet (everyone answers p = 0.20), "
        "replies to 5 of 6 texts (p = 0.70).")
    # against everyone's answer rate, a poor replier is no texter
    assert channel_advice(replace(never_called, texts=Evidence(1, 6, 0.2, 0.6)), learned) is None


# contact_hour: the whole learned curve, hour by hour

CURVE = (0.1,) * 10 + (0.5, 0.3)  # 18:00 five times 08:00; the day's mean is 0.15
HOURLY = {"snapshot": "active", "contact_hour": {"points": -20}}
OWN_DAY = {"snapshot": "active", "contact_hour": {"points": -20, "against": "their_day"}}
EVERYONE = replace(TABLES, hours=(0.2,) * 10 + (0.4, 0.2))


def test_contact_hour_sets_the_user_now_against_everyone_now():
    user = facts(habits=replace(HABITS, hours=CURVE))
    [hour] = by_name(score(user, learned(HOURLY, EVERYONE), NOW), "contact_hour")  # 18:30
    assert hour.points == -5.0  # 0.5 against everyone's 0.4: a quarter likelier
    assert hour.reason.startswith("At 18:00 they answer p(contact) = 0.50, 1.25 times the "
                                  "0.40 of everyone at 18:00 (learned from 10 calls of their")
    [morning] = by_name(score(user, learned(HOURLY, EVERYONE), NOW.replace(hour=8)),
                        "contact_hour")
    assert morning.points == 10.0  # 09:00: 0.1 against 0.2, half as likely: pushed back
    assert not by_name(score(user, learned(HOURLY, None), NOW), "contact_hour")  # no tables


def test_contact_hour_against_their_day_is_timing_alone():
    user = facts(habits=replace(HABITS, hours=CURVE))
    [hour] = by_name(score(user, learned(OWN_DAY), NOW), "contact_hour")
    assert hour.points == -20.0  # 0.5 is 3.33 times the day's 0.15: held at +1
    assert "3.33 times the 0.15 of their calling day" in hour.reason
    [morning] = by_name(score(user, learned(OWN_DAY), NOW.replace(hour=8)), "contact_hour")
    assert morning.points == 6.67  # 09:00: 0.1 is a third below the mean
    flat = facts(habits=replace(HABITS, hours=(0.2,) * 12))
    assert by_name(score(flat, learned(OWN_DAY), NOW), "contact_hour")[0].points == 0


def test_contact_hour_gives_nothing_outside_the_calling_hours_or_without_a_curve():
    user = facts(habits=replace(HABITS, hours=CURVE))
    assert not by_name(score(user, learned(HOURLY, EVERYONE), NOW.replace(hour=21)),
                       "contact_hour")
    assert not by_name(score(facts(), learned(HOURLY, EVERYONE), NOW), "contact_hour")


def test_contact_hour_moves_the_score_each_london_hour_its_points_change():
    rules = learned(HOURLY, EVERYONE)
    plain = facts(open_claims=(), date_of_birth=None, habits=replace(HABITS, hours=CURVE))
    assert next_change(plain, rules, NOW) == datetime(2025, 6, 18, 18, 0, tzinfo=UTC)
    # 20:30 in London: the curve has ended, and nothing moves until 08:00
    evening = NOW.replace(hour=19)
    assert next_change(plain, rules, evening) == datetime(2025, 6, 19, 7, 0, tzinfo=UTC)
    flat = facts(open_claims=(), date_of_birth=None,
                 habits=replace(HABITS, hours=(0.2,) * 12, window=None))
    assert next_change(flat, learned(OWN_DAY), NOW) is None  # the same in every hour


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 3 * 24 * 60), st.sampled_from([HOURLY, OWN_DAY]))
def test_contact_hour_never_changes_the_score_before_its_next_change(minutes, section):
    rules = learned(section, EVERYONE)
    user = facts(habits=replace(HABITS, hours=CURVE), last_reached_at=NOW - timedelta(days=2))
    now = NOW + timedelta(minutes=minutes)
    change = next_change(user, rules, now)
    assert change is not None and change > now
    turns = [now.replace(minute=0, second=0) + timedelta(hours=h) for h in range(1, 25)]
    for moment in [t for t in turns if t < change] + [change - timedelta(seconds=1)]:
        assert score_total(user, rules, moment) == score_total(user, rules, now)


@pytest.mark.parametrize("section, path", [
    ({"snapshot": "active", "contact_hour": {}}, "learned.contact_hour.points"),
    ({"snapshot": "active", "contact_hour": {"points": "x"}}, "learned.contact_hour.points"),
    ({"snapshot": "active", "contact_hour": {"points": -5, "against": "the team"}},
     "learned.contact_hour.against"),
])
def test_a_bad_contact_hour_names_its_path(section, path):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["learned"] = section
    assert path in [p.path for p in validate_rule_set(document)]
