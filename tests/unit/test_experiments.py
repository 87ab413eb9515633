"""A/B experiments: arms that never move, and a significance test that behaves."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.scoring.experiments import assign_arm, two_proportion_p_value

EXPERIMENT = "3f2c9e0a-5d1b-4c7e-9a61-0b8d2f4e6a10"


def test_arms_are_fixed_by_the_ids_alone():
    # Fixed expectations: a change of formula would move users between the arms of a running
    # experiment, so it must fail here.
    assert [assign_arm(u, "exp-1", 0.5) for u in range(1, 9)] == [
        "control", "control", "variant", "variant", "control", "control", "control", "control"]
    assert [assign_arm(u, EXPERIMENT, 0.5) for u in range(1, 11)] == [
        assign_arm(u, EXPERIMENT, 0.5) for u in range(1, 11)]


def test_arms_do_not_depend_on_the_process_hash_seed():
    code = ("from domain.scoring.experiments import assign_arm; "
            f"print(''.join(assign_arm(u, {EXPERIMENT!r}, 0.5)[0] for u in range(200)))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")}
    here = "".join(assign_arm(u, EXPERIMENT, 0.5)[0] for u in range(200))
    assert runs == {here + "\n"}


@pytest.mark.parametrize("share", [0.1, 0.3, 0.5, 0.9])
def test_the_variant_share_is_close_to_the_share_asked(share):
    n = 20_000
    variant = sum(assign_arm(u, EXPERIMENT, share) == "variant" for u in range(1, n + 1))
    tolerance = 4 * math.sqrt(share * (1 - share) / n)  # four standard errors
    assert abs(variant / n - share) < tolerance


def test_share_zero_and_one_are_all_control_and_all_variant():
    assert {assign_arm(u, EXPERIMENT, 0.0) for u in range(1000)} == {"control"}
    assert {assign_arm(u, EXPERIMENT, 1.0) for u in range(1000)} == {"variant"}


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan")])
def test_a_share_outside_0_to_1_is_refused(share):
    with pytest.raises(ValueError):
        assign_arm(1, EXPERIMENT, share)


def test_a_bigger_share_only_adds_users_to_the_variant():
    small = {u for u in range(5000) if assign_arm(u, EXPERIMENT, 0.2) == "variant"}
    large = {u for u in range(5000) if assign_arm(u, EXPERIMENT, 0.4) == "variant"}
    assert small < large


def test_different_experiments_split_users_independently():
    n = 10_000
    both = sum(assign_arm(u, "a", 0.5) == assign_arm(u, "b", 0.5) for u in range(n))
    assert abs(both / n - 0.5) < 0.03


def test_identical_rates_give_a_p_value_of_one():
    assert two_proportion_p_value(30, 100, 30, 100) == pytest.approx(1.0)
    assert two_proportion_p_value(150, 1000, 300, 2000) == pytest.approx(1.0)


def test_very_different_rates_are_significant():
    assert two_proportion_p_value(50, 1000, 150, 1000) < 0.001


def test_a_known_value():
    # z = (0.45 - 0.55) / sqrt(0.5 * 0.5 * (1/100 + 1/100)) = -1.414...; p = 0.1573
    assert two_proportion_p_value(45, 100, 55, 100) == pytest.approx(0.157299, abs=1e-5)


@pytest.mark.parametrize("args", [
    (0, 0, 5, 10), (5, 10, 0, 0), (0, 100, 0, 100), (100, 100, 50, 50),
])
def test_degenerate_cases_are_none(args):
    assert two_proportion_p_value(*args) is None


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        two_proportion_p_value(11, 10, 5, 10)
    with pytest.raises(ValueError):
        two_proportion_p_value(-1, 10, 5, 10)


@given(st.integers(1, 500), st.integers(1, 500), st.data())
def test_p_values_are_probabilities_and_symmetric(n_a, n_b, data):
    s_a = data.draw(st.integers(0, n_a))
    s_b = data.draw(st.integers(0, n_b))
    p = two_proportion_p_value(s_a, n_a, s_b, n_b)
    assert p == two_proportion_p_value(s_b, n_b, s_a, n_a)
    assert p is None or 0 <= p <= 1
