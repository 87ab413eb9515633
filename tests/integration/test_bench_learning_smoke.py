"""bench/bench_learning.py's simulator in a tiny configuration against the real services:
structure only (calls made and recorded, a snapshot learned, the learned rule set active in
B's second part, every figure reported). Whether learning helps is the bench's question, not
this test's."""

from __future__ import annotations

import math
import time

import pytest

from bench.learning_sim.extract import extract
from bench.learning_sim.report import WINDOW_MIN_CALLS, figures
from bench.learning_sim.run import Config, simulate

pytestmark = pytest.mark.integration

# Four calling days (Monday to Thursday), half an hour a day per agent: a few hundred calls.
TINY = Config(users=200, agents=3, days=4, learn_after=2, shift_hours=0.5)
FIGURES = ("contacts_per_attempt_a", "contacts_per_attempt_b", "contacts_ratio",
           "conversions_per_agent_hour_a", "conversions_per_agent_hour_b", "conversions_ratio",
           "simulated_conversions", "snapshot", "text_preferring",
           *(f"window_hits_{n}" for n in WINDOW_MIN_CALLS))


async def _rule_set(env) -> str:
    return await env.services.pg.fetchval("SELECT name FROM rule_sets WHERE status = 'ACTIVE'")


async def test_the_simulator_runs_both_arms_and_reports_every_figure():
    started = time.perf_counter()
    outcome = await simulate(TINY, progress=lambda *a, **k: None)
    try:
        calls = await outcome.env_a.services.pg.fetchrow(
            "SELECT count(*) AS all, count(*) FILTER (WHERE direction = 'OUTBOUND' AND "
            "outcome IS NOT NULL AND agent_id IS NOT NULL AND queue_type IS NOT NULL) AS whole "
            "FROM calls")
        active = await _rule_set(outcome.env_a), await _rule_set(outcome.env_b)
        snapshot_b = await outcome.env_b.services.pg.fetchval(
            "SELECT max(version) FROM learning_snapshots WHERE status = 'ACTIVE'")
        data = await extract(outcome, time.perf_counter() - started)
    finally:
        await outcome.env_a.drop()
        await outcome.env_b.drop()
    a, b = outcome.a.log.attempts, outcome.b.log.attempts
    assert a and b and calls["all"] > 0
    # Placed calls left rows the learner reads: outbound, with an outcome, agent and queue
    # (a few may lack the outcome: a lead the dialler took back before its disposition).
    assert calls["whole"] >= len(a) - sum(outcome.a.log.refused.values()) > 0
    shared = [x for x in a if x.day <= TINY.learn_after]
    assert shared and shared == [x for x in b if x.day <= TINY.learn_after]
    assert any(x.day > TINY.learn_after for x in b)
    assert outcome.learned.report.version == 1 and outcome.learned.report.users > 0
    assert snapshot_b == TINY.days - TINY.learn_after  # again after each second-part night
    assert outcome.learned.active_name == "learned" and active[1] == "learned"
    assert active[0] != "learned"
    assert data.snapshot["scored"][0] > 0  # B's entries were scored with the snapshot
    found = figures(data)
    assert set(FIGURES) <= found.figures.keys()
    for key in ("contacts_per_attempt_a", "contacts_per_attempt_b", "contacts_ratio"):
        assert not math.isnan(found.figures[key].estimate)
    assert len(found.lines) >= len(FIGURES)
