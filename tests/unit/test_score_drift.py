"""When a score next changes with time alone, and the rescorer that keeps to it: at any
moment, an entry rescored only when its time has come scores what a rebuild would."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calls.outcomes import CallOutcome
from domain.queue.builder import ScoringChoice, rescored
from domain.queue.model import QueueEntry, QueueType
from domain.scoring.drift import next_change
from domain.scoring.engine import ScoringFacts, score_total
from domain.scoring.rules import DEFAULT_RULE_SET_DOCUMENT, default_rule_set, parse_rule_set

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


def facts(**overrides) -> ScoringFacts:
    values = dict(user_id=1, date_of_birth=None, open_claims=(), post_code=None,
                  last_outcome=None, last_reached_at=None, failed_attempts=0)
    return ScoringFacts(**{**values, **overrides})


def rules(**changes):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document.update(changes)
    return parse_rule_set(document)


def test_a_claim_ages_a_day_at_a_time_from_its_own_creation_until_the_cap():
    created = NOW - timedelta(days=3, hours=2)
    found = facts(open_claims=(("Santander", created),))
    assert next_change(found, default_rule_set(), NOW) == created + timedelta(days=4)
    capped = facts(open_claims=(("Santander", NOW - timedelta(days=20)),))  # -1.5/day, -30
    assert next_change(capped, default_rule_set(), NOW) is None


def test_days_since_contact_tick_and_never_reached_does_not_drift():
    reached = facts(last_reached_at=NOW - timedelta(hours=5))
    assert next_change(reached, default_rule_set(), NOW) == NOW + timedelta(hours=19)
    assert next_change(facts(), default_rule_set(), NOW) is None


def test_a_birthday_changes_the_age_at_uk_midnight_and_29_february_on_1_march():
    summer = facts(date_of_birth=date(1960, 6, 1))
    assert next_change(summer, default_rule_set(), NOW) == datetime(2027, 5, 31, 23, 0,
                                                                     tzinfo=UTC)  # BST
    leap = facts(date_of_birth=date(1964, 2, 29))
    assert next_change(leap, default_rule_set(), NOW) == datetime(2027, 3, 1, tzinfo=UTC)
    assert next_change(summer, rules(age_bands=[]), NOW) is None


def test_a_dated_adjustment_may_change_the_score_at_each_uk_midnight_while_it_may_apply():
    month_end = rules(adjustments=[{"name": "month end", "points": -5,
                                    "when": {"days_of_month": [28, 29, 30, 31]}}])
    assert next_change(facts(), month_end, NOW) == datetime(2026, 11, 25, tzinfo=UTC)
    leeds_only = rules(adjustments=[{"name": "leeds", "points": -5,
                                     "when": {"weekdays": [0], "postcode_areas": ["LS"]}}])
    assert next_change(facts(post_code="M1 1AE"), leeds_only, NOW) is None
    assert next_change(facts(post_code="LS1 4AP"), leeds_only, NOW) is not None
    over = rules(adjustments=[{"name": "old", "points": -5,
                               "when": {"date_from": "2026-01-01", "date_to": "2026-02-01"}}])
    assert next_change(facts(), over, NOW) is None
    undated = rules(adjustments=[{"name": "always", "points": -5}])
    assert next_change(facts(), undated, NOW) is None


_moments = st.none() | st.integers(-5 * 24 * 3600, 400 * 24 * 3600).map(
    lambda s: NOW - timedelta(seconds=s))
_facts = st.builds(
    ScoringFacts, user_id=st.integers(1, 10**9),
    date_of_birth=st.none() | st.dates(date(1930, 1, 1), date(2010, 12, 31)),
    open_claims=st.lists(st.tuples(st.none() | st.sampled_from(["Santander UK", "halifax"]),
                                   _moments), max_size=3).map(tuple),
    post_code=st.none() | st.sampled_from(["LS1 4AP", "M1 1AE", "junk"]),
    last_outcome=st.none() | st.sampled_from(list(CallOutcome)),
    last_reached_at=_moments, failed_attempts=st.integers(0, 5))
_when = st.fixed_dictionaries({}, optional={
    "days_of_month": st.lists(st.integers(1, 31), min_size=1, max_size=5, unique=True),
    "weekdays": st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True),
    "postcode_areas": st.lists(st.sampled_from(["LS", "M", "SE"]), min_size=1, max_size=2,
                               unique=True),
    "date_from": st.dates(date(2026, 10, 1), date(2027, 3, 1)).map(str),
})
_adjustments = st.lists(st.builds(lambda i, p, w: {"name": f"a{i}", "points": p, "when": w},
                                  st.integers(0, 99), st.integers(-20, 20), _when), max_size=3)
_rates = st.tuples(st.sampled_from([0, -0.5, -1.5, -4]), st.sampled_from([0, -3, -30, -100]))
# Moments after the first, in order: minutes to a year apart.
_later = st.lists(st.integers(60, 200 * 24 * 3600), min_size=1, max_size=8)


@settings(max_examples=400, deadline=None)
@given(_facts, _adjustments, _rates, _rates, _later)
def test_rescoring_only_when_due_scores_what_a_rebuild_would_at_any_moment(
        found, adjustments, claim_rate, contact_rate, steps):
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["claim_age"] = {"points_per_day": claim_rate[0], "cap": claim_rate[1]}
    document["since_contact"] |= {"points_per_day": contact_rate[0], "cap": contact_rate[1]}
    for adjustment in adjustments:  # a date_from wants a date_to no earlier
        if "date_from" in adjustment["when"]:
            adjustment["when"]["date_to"] = str(date.fromisoformat(
                adjustment["when"]["date_from"]) + timedelta(days=40))
    document["adjustments"] = adjustments
    choice = ScoringChoice(parse_rule_set(document), 1)
    at = NOW
    entry = QueueEntry(found.user_id, QueueType.UNSIGNED, score_total(found, choice.rules, at),
                       next_change_at=next_change(found, choice.rules, at), basis=found)
    for seconds in steps:
        at += timedelta(seconds=seconds)
        if entry.next_change_at is not None and entry.next_change_at <= at:
            entry = rescored(entry, choice, at)  # its time has come: the rescorer takes it
            assert entry.next_change_at is None or entry.next_change_at > at
        assert entry.score == score_total(found, choice.rules, at), at


_steps = st.lists(st.tuples(
    st.integers(0, 40 * 24 * 3600),  # seconds on
    st.booleans(),  # the claims change (a new one opens)
    st.booleans(),  # they are reached
    st.booleans()),  # another rule set scores them
    min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(_facts, _steps)
def test_a_rebuild_lending_the_previous_score_gives_what_scoring_afresh_gives(found, steps):
    from domain.queue.builder import build_entry
    from domain.queue.facts import DiallerFacts
    from tests.fakes.builders import replica_facts

    rule_sets = [default_rule_set(), rules(claim_age={"points_per_day": -3, "cap": -90})]
    replica = replica_facts(found.user_id, date_of_birth=found.date_of_birth,
                            post_code=found.post_code, open_claims=found.open_claims or (
                                ("Santander", NOW - timedelta(days=2)),))
    dialler = DiallerFacts(phone_dialable=True, last_reached_at=found.last_reached_at)
    at, version, previous = NOW, 0, None
    for seconds, new_claim, reached, switch in steps:
        at += timedelta(seconds=seconds)
        if new_claim:
            replica = dataclasses.replace(
                replica, open_claims=(*replica.open_claims, ("Lloyds", at)))
        if reached:
            dialler = dataclasses.replace(dialler, last_reached_at=at)
        version = 1 - version if switch else version
        choice = ScoringChoice(rule_sets[version], version + 1)
        lent, _ = build_entry(replica, dialler, choice, at, previous)
        fresh, _ = build_entry(replica, dialler, choice, at)
        assert (lent.score, lent.next_change_at, lent.queue_type) == (
            fresh.score, fresh.next_change_at, fresh.queue_type), at
        previous = lent
