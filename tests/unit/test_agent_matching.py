"""Agent matching's choice: the better-converting entry near the top, never a starved top."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.learning.segments import UNKNOWN_LENDER
from domain.queue.matching import Candidate, Match, choose, match_reason, preference
from domain.scoring.habits import Evidence
from infrastructure.settings import Settings

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WAIT = timedelta(minutes=15)


def entry(user_id: int, score: float, lender: str | None, **more) -> Candidate:
    """A candidate with one open claim with this lender as typed."""
    return Candidate(user_id, score, ((lender, NOW - timedelta(days=30)),), **more)


TOP = entry(1, -125.0, "Santander UK")  # an alias: learned under santander
NEAR = entry(2, -121.0, "Lloyds")
FAR = entry(3, -105.0, "Halifax")


def rate(estimate: float, team: float, successes: int = 12, trials: int = 39):
    return Evidence(successes, trials, estimate, 0.5), team


def pick(candidates, rates, window=5.0, now=NOW):
    return choose(candidates, "UNSIGNED", rates, now, window, WAIT)


def test_without_evidence_the_most_urgent_comes_first():
    assert pick([TOP, NEAR, FAR], {}) == Match(1)
    # Evidence only of another queue is none here.
    assert pick([TOP, NEAR], {("CALLBACK", "lloyds"): rate(0.5, 0.2)}) == Match(1)


def test_a_clearly_better_entry_in_the_window_is_matched_with_its_reason():
    rates = {("UNSIGNED", "lloyds"): rate(0.31, 0.22)}
    assert pick([TOP, NEAR, FAR], rates) == Match(
        2, "matched: you convert 31% of UNSIGNED Lloyds leads against the team's 22% "
           "(12 of 39)")


def test_no_better_than_the_team_or_no_window_leaves_the_top():
    assert pick([TOP, NEAR], {("UNSIGNED", "lloyds"): rate(0.23, 0.22)}) == Match(1)
    assert pick([TOP, NEAR], {("UNSIGNED", "lloyds"): rate(0.31, 0.22)}, window=0) == Match(1)


def test_an_entry_outside_the_window_is_never_chosen():
    rates = {("UNSIGNED", "halifax"): rate(0.9, 0.2)}
    assert pick([TOP, NEAR, FAR], rates) == Match(1)
    assert pick([TOP, NEAR, FAR], rates, window=20.0).user_id == 3  # the edge is inclusive


def test_the_agent_good_at_the_top_lender_keeps_the_top_unless_clearly_better_elsewhere():
    rates = {("UNSIGNED", "santander"): rate(0.30, 0.2), ("UNSIGNED", "lloyds"): rate(0.31, 0.2)}
    assert pick([TOP, NEAR], rates) == Match(1)  # one point better is not clearly better
    rates[("UNSIGNED", "lloyds")] = rate(0.40, 0.2)
    assert pick([TOP, NEAR], rates).user_id == 2


def test_ties_go_to_the_more_urgent_and_the_best_wins():
    other = entry(4, -122.0, "lloyds")
    barclays = entry(5, -123.0, "Barclays")
    rates = {("UNSIGNED", "lloyds"): rate(0.31, 0.2), ("UNSIGNED", "barclays"): rate(0.35, 0.2)}
    assert pick([TOP, barclays, NEAR, other], rates).user_id == 5
    del rates[("UNSIGNED", "barclays")]
    assert pick([TOP, barclays, NEAR, other], rates).user_id == 2


def test_the_order_of_preference_is_the_matches_best_first_then_urgency():
    barclays = entry(5, -123.0, "Barclays")
    rates = {("UNSIGNED", "lloyds"): rate(0.31, 0.2), ("UNSIGNED", "barclays"): rate(0.35, 0.2)}
    order = preference([TOP, barclays, NEAR, FAR], "UNSIGNED", rates, NOW, 5.0, WAIT)
    assert [m.user_id for m in order] == [5, 2, 1, 3]
    assert [m.reason is not None for m in order] == [True, True, False, False]
    assert [m.user_id for m in preference([TOP, NEAR, FAR], "UNSIGNED", {}, NOW, 5.0, WAIT)] \
        == [1, 2, 3]


def test_the_top_passed_over_for_the_longest_wait_is_taken():
    rates = {("UNSIGNED", "lloyds"): rate(0.31, 0.22)}
    waiting = entry(1, -125.0, "Santander", passed_over_at=NOW - WAIT + timedelta(seconds=1))
    assert pick([waiting, NEAR], rates).user_id == 2
    waited = entry(1, -125.0, "Santander", passed_over_at=NOW - WAIT)
    assert pick([waited, NEAR], rates) == Match(1)


def test_a_personal_callback_stays_first():
    mine = entry(1, -10.0, "Santander", personal=True)
    assert pick([mine, NEAR], {("UNSIGNED", "lloyds"): rate(0.9, 0.1)}) == Match(1)


def test_the_reason_names_an_unnamed_lender_plainly():
    reason = match_reason("UNSIGNED", UNKNOWN_LENDER, rate(0.4, 0.25, 4, 10))
    assert reason == ("matched: you convert 40% of UNSIGNED leads with no lender named "
                      "against the team's 25% (4 of 10)")


@pytest.mark.parametrize("name, value, says", [
    ("MATCH_WINDOW_POINTS", "-1", "MATCH_WINDOW_POINTS must be a number of score points, 0"),
    ("MATCH_WINDOW_POINTS", "nan", "MATCH_WINDOW_POINTS must be"),
    ("MATCH_MAX_WAIT_MINUTES", "0", "MATCH_MAX_WAIT_MINUTES must be a whole number of minutes"),
    ("MATCH_MAX_WAIT_MINUTES", "-5", "MATCH_MAX_WAIT_MINUTES must be"),
    ("MATCH_MAX_WAIT_MINUTES", "2.5", "match_max_wait_minutes"),
])
def test_bad_matching_settings_are_refused_by_name(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=says):
        Settings(_env_file=None)


def test_matching_settings_default_on_and_zero_turns_it_off(monkeypatch):
    settings = Settings(_env_file=None)
    assert (settings.match_window_points, settings.match_max_wait_minutes) == (5.0, 15)
    monkeypatch.setenv("MATCH_WINDOW_POINTS", "0")
    assert Settings(_env_file=None).match_window_points == 0
