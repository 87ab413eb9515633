"""Rule sets as data: the default, every problem named at once, lender names."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calls.outcomes import CallOutcome
from domain.scoring.rules import (
    DEFAULT_RULE_SET_DOCUMENT,
    Adjustment,
    AgeBand,
    Problem,
    Rate,
    RuleSetInvalid,
    canonical_lender,
    default_rule_set,
    parse_rule_set,
    validate_rule_set,
)


def doc() -> dict:
    return copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)


def paths(document: object) -> list[str]:
    return [p.path for p in validate_rule_set(document)]


def test_the_default_is_design_section_4():
    rules = default_rule_set()
    assert rules.lender_points == {"santander": -20, "lloyds": -15, "barclays": -15,
                                   "hsbc": -10, "nationwide": -10}
    assert rules.default_lender_points == 0
    assert rules.aliases == {
        "santander uk": "santander", "santander consumer": "santander",
        "santander consumer finance": "santander", "lloyds bank": "lloyds",
        "barclays bank": "barclays", "barclays partner finance": "barclays",
        "hsbc uk": "hsbc", "nationwide building society": "nationwide"}
    assert rules.age_bands == (AgeBand(65, -15), AgeBand(45, -10), AgeBand(25, -5))
    assert rules.claim_age == Rate(-1.5, -30)
    assert rules.since_contact == Rate(-2, -60, 30)
    assert rules.outcome_points == {
        "not_interested": 100, "wrong_number": 80, "left_voicemail": 15, "hung_up": 10,
        "no_answer": 10, "busy": 5, "contacted": -5, "going_to_complete": -5,
        "callback_requested": -25}
    assert rules.failed_attempt_points == 8
    assert rules.adjustments == ()


def test_the_default_cooldowns_cover_every_outcome():
    hours, days = 60, 24 * 60
    assert default_rule_set().cooldowns == {
        "no_answer": 4 * hours, "hung_up": 4 * hours, "busy": hours, "failed": hours,
        "left_voicemail": days, "contacted": 2 * days, "completed_form": days,
        "might_complete": days, "going_to_complete": 3 * days, "not_interested": 30 * days,
        "callback_requested": "callback", "wrong_number": "until_phone_changes",
        "no_claim": "until_claims_change", "do_not_call": "never"}
    assert set(default_rule_set().cooldowns) == {o.value for o in CallOutcome}


def test_the_default_document_is_plain_json_and_parsing_leaves_it_alone():
    before = json.dumps(DEFAULT_RULE_SET_DOCUMENT, sort_keys=True)
    assert json.loads(before) == DEFAULT_RULE_SET_DOCUMENT
    parse_rule_set(DEFAULT_RULE_SET_DOCUMENT)
    assert json.dumps(DEFAULT_RULE_SET_DOCUMENT, sort_keys=True) == before
    assert validate_rule_set(DEFAULT_RULE_SET_DOCUMENT) == []


def test_every_problem_is_reported_at_once_each_with_its_path():
    bad = doc()
    bad["lenders"]["points"]["Santander "] = -5                    # same lender twice
    bad["lenders"]["points"]["tsb"] = "lots"                       # wrong type
    bad["lenders"]["aliases"]["halifax"] = "lloyds banking group"  # target has no points
    bad["lenders"]["aliases"]["hsbc"] = "nationwide"               # renames a scored lender
    bad["lenders"]["colour"] = "red"                               # unknown key
    bad["age_bands"] = [{"min_age": 45, "points": -10}, {"min_age": 65, "points": -15},
                        {"min_age": 25}]                           # unsorted; points missing
    bad["claim_age"]["cap"] = 30                                   # cap of the wrong sign
    bad["since_contact"]["points_per_day"] = 2
    bad["outcome_points"]["voicemail"] = 15                        # not an outcome
    bad["failed_attempt_points"] = "eight"
    bad["cooldowns"]["no_answer"] = "later"
    bad["cooldowns"]["not_interested"] = "never"                   # special of another outcome
    del bad["cooldowns"]["busy"]
    bad["adjustments"] = [
        {"name": "month end", "points": -5, "when": {"days_of_month": [0, 31]}},
        {"name": "", "points": -5, "when": {"weekdays": [7]}},
        {"name": "xmas", "points": 5, "when": {"date_from": "2025-12-31",
                                               "date_to": "2025-12-20"}},
        {"name": "odd", "points": 1, "when": {"date_from": "2025-02-30", "date_to": "soon",
                                              "postcode_areas": ["LS1"], "hour": 9}},
    ]
    bad["extra"] = {}
    problems = validate_rule_set(bad)
    assert [p.path for p in problems] == [
        "extra",
        "lenders.colour",
        "lenders.points.Santander ",
        "lenders.points.tsb",
        "lenders.aliases.halifax",
        "lenders.aliases.hsbc",
        "age_bands[1].min_age",
        "age_bands[2].points",
        "claim_age.cap",
        "since_contact.points_per_day",
        "outcome_points.voicemail",
        "failed_attempt_points",
        "cooldowns.no_answer",
        "cooldowns.not_interested",
        "cooldowns.busy",
        "adjustments[0].when.days_of_month[0]",
        "adjustments[1].name",
        "adjustments[1].when.weekdays[0]",
        "adjustments[2].when.date_from",
        "adjustments[3].when.hour",
        "adjustments[3].when.date_from",
        "adjustments[3].when.date_to",
        "adjustments[3].when.postcode_areas[0]",
    ]
    assert all(isinstance(p, Problem) and p.message for p in problems)
    with pytest.raises(RuleSetInvalid) as raised:
        parse_rule_set(bad)
    assert raised.value.problems == problems
    assert "claim_age.cap" in str(raised.value)


@pytest.mark.parametrize("path, message", [
    ("lenders.aliases.halifax", "no entry in lenders.points"),
    ("claim_age.cap", "zero or negative"),
    ("cooldowns.no_answer", "minutes"),
    ("outcome_points", "is required"),
])
def test_the_messages_say_what_is_wrong(path, message):
    bad = doc()
    bad["lenders"]["aliases"]["halifax"] = "lloyds bank group"
    bad["claim_age"]["cap"] = 30
    bad["cooldowns"]["no_answer"] = "later"
    del bad["outcome_points"]
    found = {p.path: p.message for p in validate_rule_set(bad)}
    assert set(found) == {"lenders.aliases.halifax", "claim_age.cap", "cooldowns.no_answer",
                          "outcome_points"}
    assert message in found[path]


def test_a_broken_points_table_does_not_drag_the_aliases_down_with_it():
    bad = doc()
    bad["lenders"]["points"] = ["santander"]
    assert paths(bad) == ["lenders.points"]
    bad["lenders"]["points"] = {"santander": -20, " SANTANDER": -10}
    problems = validate_rule_set(bad)
    assert [p.path for p in problems] == ["lenders.points. SANTANDER"] + [
        f"lenders.aliases.{alias}" for alias in DEFAULT_RULE_SET_DOCUMENT["lenders"]["aliases"]
        if DEFAULT_RULE_SET_DOCUMENT["lenders"]["aliases"][alias] != "santander"]
    assert "repeats lenders.points.santander" in problems[0].message


def test_missing_and_null_sections_are_problems_not_crashes():
    bad = doc()
    del bad["lenders"], bad["cooldowns"]
    bad["age_bands"] = None
    bad["claim_age"] = []
    assert paths(bad) == ["lenders", "cooldowns", "age_bands", "claim_age"]
    assert paths(None) == ["$"] and paths([]) == ["$"] and paths("{}") == ["$"]
    del bad["adjustments"]  # the one optional section
    assert "adjustments" not in paths(bad)


def test_numbers_must_be_real_finite_numbers():
    bad = doc()
    bad["lenders"]["points"]["santander"] = True
    bad["lenders"]["default"] = float("nan")
    bad["outcome_points"]["busy"] = float("inf")
    bad["failed_attempt_points"] = 10 ** 400
    bad["cooldowns"]["hung_up"] = -1
    bad["cooldowns"]["failed"] = 1.5
    assert paths(bad) == ["lenders.points.santander", "lenders.default", "outcome_points.busy",
                          "failed_attempt_points", "cooldowns.hung_up", "cooldowns.failed"]


def test_age_bands_must_run_from_the_oldest_down_without_repeats():
    bad = doc()
    bad["age_bands"] = [{"min_age": 65, "points": -15}, {"min_age": 65, "points": -10},
                        {"min_age": 131, "points": 0}, {"min_age": 18.5, "points": 0}]
    assert paths(bad) == ["age_bands[1].min_age", "age_bands[2].min_age",
                          "age_bands[3].min_age"]
    fine = doc()
    fine["age_bands"] = [{"min_age": 70.0, "points": -1}]  # 70.0 from a JSON client is 70
    assert parse_rule_set(fine).age_bands == (AgeBand(70, -1),)


def test_specials_belong_to_their_own_outcome():
    bad = doc()
    bad["cooldowns"]["callback_requested"] = 60
    bad["cooldowns"]["do_not_call"] = "callback"
    bad["cooldowns"]["no_answer"] = "until_phone_changes"
    assert paths(bad) == ["cooldowns.no_answer", "cooldowns.callback_requested",
                          "cooldowns.do_not_call"]  # document order


def test_adjustments_parse_into_conditions():
    good = doc()
    good["adjustments"] = [
        {"name": " month-end push ", "points": -5, "when": {"days_of_month": [28, 29, 30, 31]}},
        {"name": "christmas", "points": 10,
         "when": {"date_from": "2025-12-24", "date_to": "2025-12-24", "weekdays": [0, 1]}},
        {"name": "leeds and manchester", "points": -2.5,
         "when": {"postcode_areas": ["ls", " M "]}},
        {"name": "always", "points": 1},
    ]
    rules = parse_rule_set(good)
    assert rules.adjustments == (
        Adjustment("month-end push", -5, days_of_month=frozenset({28, 29, 30, 31})),
        Adjustment("christmas", 10, date_from=date(2025, 12, 24), date_to=date(2025, 12, 24),
                   weekdays=frozenset({0, 1})),
        Adjustment("leeds and manchester", -2.5, postcode_areas=frozenset({"LS", "M"})),
        Adjustment("always", 1),
    )


def test_adjustment_shapes_are_checked():
    bad = doc()
    bad["adjustments"] = [
        "month end",
        {"points": 1, "whne": {}},
        {"name": "x", "points": 1, "when": {"days_of_month": [], "weekdays": "mon",
                                            "postcode_areas": [12], "date_to": 20250101}},
    ]
    assert paths(bad) == ["adjustments[0]", "adjustments[1].whne", "adjustments[1].name",
                          "adjustments[2].when.days_of_month", "adjustments[2].when.date_to",
                          "adjustments[2].when.weekdays",
                          "adjustments[2].when.postcode_areas[0]"]
    bad["adjustments"] = {"name": "x"}
    assert paths(bad) == ["adjustments"]


def test_lender_names_in_the_document_are_normalised():
    good = doc()
    good["lenders"]["points"]["Black  Horse"] = -3
    good["lenders"]["aliases"][" BLACKHORSE "] = "black horse"
    rules = parse_rule_set(good)
    assert rules.lender_points["black horse"] == -3
    assert canonical_lender("Blackhorse", rules) == "black horse"


@pytest.mark.parametrize("raw, expected", [
    ("Santander", "santander"),
    (" SANTANDER UK ", "santander"),
    ("Santander Consumer Finance", "santander"),
    ("santander\tconsumer\n finance", "santander"),
    ("Santander\u00a0UK", "santander"),      # a no-break space from a web form
    ("Lloyds Bank", "lloyds"),
    ("Barclays Partner Finance", "barclays"),
    ("HSBC UK", "hsbc"),
    ("Nationwide Building Society", "nationwide"),
    ("Halifax", "halifax"),                  # sister brands are not mapped
    ("Black Horse", "black horse"),
    ("Barclaycard", "barclaycard"),
    ("SantanderUK", "santanderuk"),          # inner whitespace is collapsed, not removed
    ("", None), ("   ", None), (None, None),
])
def test_canonical_lender(raw, expected):
    assert canonical_lender(raw, default_rule_set()) == expected


def test_sister_brands_score_the_default():
    rules = default_rule_set()
    for brand in ("Halifax", "Black Horse", "Barclaycard"):
        name = canonical_lender(brand, rules)
        assert rules.lender_points.get(name, rules.default_lender_points) == 0


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)


def _replace(document: dict, path: list, value: object) -> dict:
    """The document with the value at ``path`` (a list of keys and indexes) replaced."""
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


def _every_path(value: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _every_path(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _every_path(inner, (*prefix, i))
    return found


_PATHS = _every_path(DEFAULT_RULE_SET_DOCUMENT) + [("adjustments", 0), ("nonsense",)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _json), min_size=1, max_size=3))
def test_any_edit_either_parses_or_is_refused_with_problems(edits):
    document = doc()
    for path, value in edits:
        try:
            _replace(document, list(path), value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed the parent
    problems = validate_rule_set(document)
    if problems:
        with pytest.raises(RuleSetInvalid):
            parse_rule_set(document)
    else:
        parse_rule_set(document)
