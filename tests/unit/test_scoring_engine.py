"""The scoring engine: each factor at its boundaries, and parts that add up exactly."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calls.outcomes import CallOutcome
from domain.scoring.engine import (
    ScoreBreakdown,
    ScoringFacts,
    completed_years,
    open_claim_facts,
    postcode_area,
    score,
    score_total,
    whole_days,
)
from domain.scoring.rules import DEFAULT_RULE_SET_DOCUMENT, default_rule_set, parse_rule_set
from domain.users.model import Claim

NOW = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)  # a Wednesday; 13:00 in London
RULES = default_rule_set()
PARTS = ("lender", "age", "time", "disposition", "adjustment")


def facts(**overrides) -> ScoringFacts:
    values = dict(user_id=1, date_of_birth=None, open_claims=(), post_code=None,
                  last_outcome=None, last_reached_at=None, failed_attempts=0)
    return ScoringFacts(**{**values, **overrides})


def factor(breakdown: ScoreBreakdown, name: str):
    found = [f for f in breakdown.factors if f.name == name]
    return found[0] if found else None


def with_adjustments(*adjustments: dict):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["adjustments"] = list(adjustments)
    return parse_rule_set(document)


# Lender

@pytest.mark.parametrize("lenders, points, best", [
    (("Santander UK",), -20, "Santander UK (santander)"),
    (("Halifax", " lloyds  bank "), -15, "lloyds bank (lloyds)"),
    (("HSBC UK", "Santander Consumer Finance", "Barclays"), -20,
     "Santander Consumer Finance (santander)"),
    (("Halifax", "Black Horse"), 0, "Black Horse (black horse)"),
])
def test_the_best_open_claim_lender_counts(lenders, points, best):
    found = score(facts(open_claims=tuple((name, NOW) for name in lenders)), RULES, NOW)
    assert found.lender == points
    assert factor(found, "lender").reason == f"Best lender {best}: {points if points else 0}"


def test_equal_lenders_give_the_same_reason_in_any_order():
    claims = (("santander", NOW), ("Santander UK", NOW))
    first = score(facts(open_claims=claims), RULES, NOW)
    second = score(facts(open_claims=claims[::-1]), RULES, NOW)
    assert first == second


def test_a_user_with_no_open_claim_gets_nothing_for_lender_or_claim_age():
    found = score(facts(), RULES, NOW)
    assert found.lender == 0
    assert factor(found, "claim_age").points == 0
    assert factor(found, "lender").reason == "No open claim: lender 0"


def test_open_claims_without_a_lender_or_date_score_nothing_for_them():
    found = score(facts(open_claims=((None, None), ("  ", None))), RULES, NOW)
    assert found.lender == 0 and factor(found, "claim_age").points == 0


def test_only_open_claims_count():
    def claim(claim_id, status, lender, days_old):
        return Claim(claim_id, 1, "pcp", status, lender, None, None,
                     NOW - timedelta(days=days_old), None)

    claims = [claim(1, "complete", "Santander", 100), claim(2, None, "Lloyds", 90),
              claim(3, "rejected", "HSBC UK", 4), claim(4, "new", "Halifax", 2)]
    open_claims = open_claim_facts(claims)
    assert [lender for lender, _ in open_claims] == ["HSBC UK", "Halifax"]
    found = score(facts(open_claims=open_claims), RULES, NOW)
    assert found.lender == -10
    assert factor(found, "claim_age").points == -6  # the rejected claim, 4 days old


# Age

@pytest.mark.parametrize("born, points, reason", [
    (date(1960, 6, 18), -15, "Age 65: -15"),   # the 65th birthday itself
    (date(1960, 6, 19), -10, "Age 64: -10"),   # the day before it
    (date(1980, 6, 18), -10, "Age 45: -10"),
    (date(1980, 6, 19), -5, "Age 44: -5"),
    (date(2000, 6, 18), -5, "Age 25: -5"),
    (date(2000, 6, 19), 0, "Age 24: 0"),
    (date(2010, 1, 1), 0, "Age 15: 0"),
    (None, 0, "Age unknown: 0"),
    (date(2030, 1, 1), 0, "Age unknown (date of birth in the future): 0"),
])
def test_age_bands_on_completed_years(born, points, reason):
    found = score(facts(date_of_birth=born), RULES, NOW)
    assert found.age == points and factor(found, "age").reason == reason


@pytest.mark.parametrize("on, years", [
    (date(2025, 2, 28), 64),   # no 29th this year: the birthday comes on 1 March
    (date(2025, 3, 1), 65),
    (date(2024, 2, 28), 63),
    (date(2024, 2, 29), 64),
])
def test_29_february_birthdays(on, years):
    assert completed_years(date(1960, 2, 29), on) == years
    now = datetime.combine(on, datetime.min.time(), UTC).replace(hour=12)
    expected = -15 if years >= 65 else -10
    assert score(facts(date_of_birth=date(1960, 2, 29)), RULES, now).age == expected


def test_a_birthday_starts_at_midnight_in_london():
    just_after_uk_midnight = datetime(2025, 6, 17, 23, 30, tzinfo=UTC)  # 00:30 BST on the 18th
    assert score(facts(date_of_birth=date(1960, 6, 18)), RULES, just_after_uk_midnight).age == -15


# Time

@pytest.mark.parametrize("age, days, points", [
    (timedelta(hours=23, minutes=59), 0, 0),
    (timedelta(days=1), 1, -1.5),
    (timedelta(days=12, hours=23), 12, -18),
    (timedelta(days=19), 19, -28.5),
    (timedelta(days=20), 20, -30),
    (timedelta(days=20) - timedelta(seconds=1), 19, -28.5),
    (timedelta(days=21), 21, -30),
    (timedelta(days=400), 400, -30),
    (-timedelta(days=3), 0, 0),           # created "in the future": clocks disagree
])
def test_claim_age_in_whole_days_capped_at_30(age, days, points):
    found = score(facts(open_claims=(("Halifax", NOW - age),)), RULES, NOW)
    claim_age = factor(found, "claim_age")
    assert claim_age.points == points
    assert claim_age.reason.startswith(f"Oldest open claim {days} day")
    assert claim_age.reason.endswith(" (capped)") == (days > 20)


def test_claim_age_counts_the_oldest_open_claim():
    claims = (("Halifax", NOW - timedelta(days=3)), ("Lloyds", NOW - timedelta(days=10)),
              ("HSBC", None))
    found = score(facts(open_claims=claims), RULES, NOW)
    assert factor(found, "claim_age").points == -15
    assert factor(found, "claim_age").reason == "Oldest open claim 10 days old: -15"


@pytest.mark.parametrize("ago, points", [
    (timedelta(hours=5), 0),
    (timedelta(days=1), -2),
    (timedelta(days=10, hours=20), -20),
    (timedelta(days=29), -58),
    (timedelta(days=30), -60),
    (timedelta(days=90), -60),
])
def test_days_since_the_user_was_last_reached(ago, points):
    found = score(facts(last_reached_at=NOW - ago), RULES, NOW)
    assert factor(found, "since_contact").points == points


def test_never_reached_counts_as_30_days():
    found = score(facts(), RULES, NOW)
    assert factor(found, "since_contact").points == -60
    assert factor(found, "since_contact").reason == "Never reached: counts as 30 days: -60"
    assert found.time == -60


def test_time_is_claim_age_plus_silence():
    found = score(facts(open_claims=(("x", NOW - timedelta(days=5)),),
                        last_reached_at=NOW - timedelta(days=3)), RULES, NOW)
    assert found.time == -7.5 - 6


def test_naive_times_are_read_as_utc():
    naive = (NOW - timedelta(days=2)).replace(tzinfo=None)
    assert whole_days(naive, NOW) == 2
    found = score(facts(open_claims=(("x", naive), ("y", NOW - timedelta(days=1)))), RULES, NOW)
    assert factor(found, "claim_age").points == -3


# Disposition

@pytest.mark.parametrize("outcome, points", [
    (CallOutcome.NOT_INTERESTED, 100), (CallOutcome.WRONG_NUMBER, 80),
    (CallOutcome.LEFT_VOICEMAIL, 15), (CallOutcome.HUNG_UP, 10), (CallOutcome.NO_ANSWER, 10),
    (CallOutcome.BUSY, 5), (CallOutcome.CONTACTED, -5), (CallOutcome.GOING_TO_COMPLETE, -5),
    (CallOutcome.CALLBACK_REQUESTED, -25), (CallOutcome.COMPLETED_FORM, 0),
    (CallOutcome.MIGHT_COMPLETE, 0), (CallOutcome.FAILED, 0), (CallOutcome.NO_CLAIM, 0),
    (CallOutcome.DO_NOT_CALL, 0),
])
def test_last_outcome_points(outcome, points):
    found = score(facts(last_outcome=outcome), RULES, NOW)
    assert found.disposition == points
    sign = "+" if points > 0 else ""
    assert factor(found, "last_outcome").reason == (
        f"Last outcome {outcome.value}: {sign}{points}")


@pytest.mark.parametrize("failed, points, reason", [
    (0, 0, None), (1, 8, "1 failed attempt: +8"), (2, 16, "2 failed attempts: +16"),
    (7, 56, "7 failed attempts: +56"),
])
def test_each_failed_attempt_costs_8(failed, points, reason):
    found = score(facts(failed_attempts=failed), RULES, NOW)
    assert found.disposition == points
    assert (factor(found, "failed_attempts") and factor(found, "failed_attempts").reason) == reason


def test_disposition_is_outcome_plus_failed_attempts():
    found = score(facts(last_outcome=CallOutcome.NO_ANSWER, failed_attempts=2), RULES, NOW)
    assert found.disposition == 26
    assert [f.reason for f in found.factors if f.name in ("last_outcome", "failed_attempts")] \
        == ["Last outcome no_answer: +10", "2 failed attempts: +16"]


# Adjustments

MONTH_END = {"name": "month-end push", "points": -5, "when": {"days_of_month": [28, 29, 30, 31]}}


@pytest.mark.parametrize("now, applies", [
    (datetime(2025, 6, 30, 12, tzinfo=UTC), True),
    (datetime(2025, 6, 27, 12, tzinfo=UTC), False),
    (datetime(2025, 6, 30, 23, 30, tzinfo=UTC), False),  # already 1 July in London
    (datetime(2025, 2, 28, 12, tzinfo=UTC), True),
])
def test_adjustment_by_day_of_month(now, applies):
    found = score(facts(), with_adjustments(MONTH_END), now)
    assert found.adjustment == (-5 if applies else 0)
    assert (factor(found, "adjustment") is not None) == applies
    if applies:
        assert factor(found, "adjustment").reason == "Adjustment 'month-end push': -5"


@pytest.mark.parametrize("day, applies", [
    (date(2025, 12, 19), False), (date(2025, 12, 20), True), (date(2025, 12, 27), True),
    (date(2026, 1, 2), True), (date(2026, 1, 3), False),
])
def test_adjustment_by_date_range_inclusive(day, applies):
    rules = with_adjustments({"name": "christmas", "points": 12.5,
                              "when": {"date_from": "2025-12-20", "date_to": "2026-01-02"}})
    now = datetime.combine(day, datetime.min.time(), UTC).replace(hour=12)
    assert score(facts(), rules, now).adjustment == (12.5 if applies else 0)


def test_adjustment_by_weekday():
    rules = with_adjustments({"name": "saturday", "points": 3, "when": {"weekdays": [5]}})
    saturday = datetime(2025, 6, 21, 12, tzinfo=UTC)
    assert score(facts(), rules, saturday).adjustment == 3
    assert score(facts(), rules, saturday + timedelta(days=1)).adjustment == 0


@pytest.mark.parametrize("post_code, area", [
    ("LS1 4AP", "LS"), ("ls14ap", "LS"), (" m1 1ae ", "M"), ("SE1 7PB", "SE"),
    ("S1 2HE", "S"), ("EC1A 1BB", "EC"), ("W1A 0AX", "W"), ("  ", None), (None, None),
    ("LONDON", None), ("1AB", None),
])
def test_postcode_area(post_code, area):
    assert postcode_area(post_code) == area


@pytest.mark.parametrize("post_code, applies", [
    ("LS6 2AB", True), ("m14 5ab", True), ("ME1 1AA", False), ("L1 8JQ", False), (None, False),
])
def test_adjustment_by_postcode_area(post_code, applies):
    rules = with_adjustments({"name": "north", "points": -4,
                              "when": {"postcode_areas": ["LS", "m"]}})
    assert score(facts(post_code=post_code), rules, NOW).adjustment == (-4 if applies else 0)


def test_every_condition_of_an_adjustment_must_hold_and_adjustments_add_up():
    rules = with_adjustments(
        {"name": "leeds wednesdays", "points": -2, "when": {"weekdays": [2],
                                                            "postcode_areas": ["LS"]}},
        {"name": "everyone", "points": 1.25},
        {"name": "leeds thursdays", "points": -9, "when": {"weekdays": [3],
                                                           "postcode_areas": ["LS"]}},
    )
    found = score(facts(post_code="LS1 1AA"), rules, NOW)
    assert found.adjustment == -0.75
    assert [f.reason for f in found.factors if f.name == "adjustment"] == [
        "Adjustment 'leeds wednesdays': -2", "Adjustment 'everyone': +1.25"]
    assert score(facts(post_code="M1 1AA"), rules, NOW).adjustment == 1.25


# Totals

def test_a_worked_example():
    found = score(facts(date_of_birth=date(1954, 1, 1),
                        open_claims=(("Santander UK", NOW - timedelta(days=12)),),
                        last_outcome=CallOutcome.NO_ANSWER, failed_attempts=2), RULES, NOW)
    assert (found.lender, found.age, found.time, found.disposition, found.adjustment) == (
        -20, -15, -78, 26, 0)
    assert found.total == -87
    assert [f.reason for f in found.factors] == [
        "Best lender Santander UK (santander): -20", "Age 71: -15",
        "Oldest open claim 12 days old: -18", "Never reached: counts as 30 days: -60",
        "Last outcome no_answer: +10", "2 failed attempts: +16"]


def test_no_clamping_at_zero():
    found = score(facts(date_of_birth=date(1940, 1, 1),
                        open_claims=(("Santander", NOW - timedelta(days=60)),)), RULES, NOW)
    assert found.total == -20 - 15 - 30 - 60


def test_thirds_round_to_hundredths_and_still_add_up():
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["claim_age"]["points_per_day"] = -1 / 3
    document["adjustments"] = [{"name": "a", "points": 0.005}, {"name": "b", "points": -0.125}]
    found = score(facts(open_claims=(("x", NOW - timedelta(days=7)),)),
                  parse_rule_set(document), NOW)
    assert factor(found, "claim_age").points == -2.31  # -0.33 a day, 7 days
    assert found.adjustment == round(0.01 - 0.13, 2)
    assert _decimal_sum(found) == Decimal(repr(found.total))


def _decimal_sum(found: ScoreBreakdown) -> Decimal:
    return sum((Decimal(repr(getattr(found, part))) for part in PARTS), Decimal(0))


_points = st.floats(-200, 200, allow_nan=False).map(lambda x: round(x, 3))
_rule_points = st.fixed_dictionaries({
    "lender": _points, "rate": st.floats(-5, 0).map(lambda x: round(x, 3)),
    "cap": st.floats(-100, 0).map(lambda x: round(x, 2)), "failed": _points,
    "adjustments": st.lists(_points, max_size=4),
})
_moments = st.none() | st.integers(-5 * 24 * 3600, 400 * 24 * 3600).map(
    lambda s: NOW - timedelta(seconds=s))
_facts = st.builds(
    ScoringFacts, user_id=st.integers(1, 10**9),
    date_of_birth=st.none() | st.dates(date(1900, 1, 1), date(2030, 1, 1)),
    open_claims=st.lists(st.tuples(st.none() | st.sampled_from(
        ["Santander UK", "halifax", " HSBC  uk", "Lloyds", "Tesco Bank", ""]), _moments),
        max_size=4).map(tuple),
    post_code=st.none() | st.sampled_from(["LS1 4AP", "M1 1AE", "SE1 7PB", "junk"]),
    last_outcome=st.none() | st.sampled_from(list(CallOutcome)),
    last_reached_at=_moments, failed_attempts=st.integers(0, 30))


@settings(max_examples=300, deadline=None)
@given(_facts, _rule_points)
def test_parts_always_add_up_exactly_to_the_total(found_facts, points):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["lenders"]["points"]["halifax"] = points["lender"]
    document["claim_age"].update(points_per_day=points["rate"], cap=points["cap"])
    document["failed_attempt_points"] = points["failed"]
    document["adjustments"] = [{"name": f"a{i}", "points": p}
                               for i, p in enumerate(points["adjustments"])]
    rules = parse_rule_set(document)
    found = score(found_facts, rules, NOW)
    assert score_total(found_facts, rules, NOW) == found.total  # the rebuild's fast path
    assert _decimal_sum(found) == Decimal(repr(found.total))
    assert round(sum(getattr(found, part) for part in PARTS), 2) == found.total
    by_part = {"lender": "lender", "age": "age", "claim_age": "time", "since_contact": "time",
               "last_outcome": "disposition", "failed_attempts": "disposition",
               "adjustment": "adjustment"}
    for part in PARTS:
        own = [Decimal(repr(f.points)) for f in found.factors if by_part[f.name] == part]
        assert sum(own, Decimal(0)) == Decimal(repr(getattr(found, part)))
    for value in (found.total, *(f.points for f in found.factors)):
        assert Decimal(repr(value)) == Decimal(repr(value)).quantize(Decimal("0.01"))
