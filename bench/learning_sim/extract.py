"""What the report needs from a finished simulation, as plain data: the floors' logs and
what the runs' databases hold (read before they are dropped; picklable, so a report can be
worked out again from a saved run with ``--save``)."""

from __future__ import annotations

import pickle
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.learning_sim.calendar import Day, at
from bench.learning_sim.floor import Attempt, FloorLog
from bench.learning_sim.hidden import Person
from bench.learning_sim.run import Config, Outcome


@dataclass
class RunData:
    """One run's log and what its dialler recorded from the second part on."""

    log: FloorLog
    credited: dict[int, int]  # conversions credited to an agent's call since, by user
    recorded: int  # every conversion recorded since


@dataclass
class Extract:
    config: Config
    calendar: list[Day]
    people: dict[int, Person]
    a: RunData
    b: RunData
    windows: list[dict]  # B's learned users with a window: user_id, best_start, …
    texters: set[int]  # B's learned users who prefer texts
    snapshot: dict[str, object]  # B's snapshot, rule set, matching and scoring
    seconds: dict[str, float]
    service_calls: dict[str, int]
    call_counts: Counter = field(default_factory=Counter)  # B's service calls by kind
    call_seconds: Counter = field(default_factory=Counter)
    matching_points: float = 0.0
    wall: float = 0.0

    @property
    def second(self) -> int:
        """The first day compared."""
        return self.config.learn_after + 1

    def attempts(self, run: RunData) -> list[Attempt]:
        return [a for a in run.log.attempts if a.day >= self.second]

    def save(self, path: Path) -> None:
        path.write_bytes(pickle.dumps(self))

    @staticmethod
    def load(path: Path) -> Extract:
        return pickle.loads(path.read_bytes())


async def _run_data(env, log: FloorLog, since: datetime) -> RunData:
    async with env.services.pg.acquire() as conn:
        rows = await conn.fetch(
            "SELECT v.user_id, count(*) AS n FROM conversions v JOIN calls c ON c.id = v.call_id "
            "WHERE v.agent_id IS NOT NULL AND c.started_at >= $1 GROUP BY 1", since)
        recorded = await conn.fetchval(
            "SELECT count(*) FROM conversions WHERE occurred_at >= $1", since)
    return RunData(log, {r["user_id"]: r["n"] for r in rows}, recorded)


_ACTIVE = "JOIN learning_snapshots s ON s.id = u.snapshot_id WHERE s.status = 'ACTIVE'"


async def _b_state(outcome: Outcome, since: datetime) -> tuple[list[dict], set[int], dict]:
    learned = outcome.learned
    async with outcome.env_b.services.pg.acquire() as conn:
        windows = await conn.fetch(
            "SELECT u.user_id, u.best_start, u.best_end, u.attempts, u.contacts, "
            f"u.best_confidence FROM learned_users u {_ACTIVE} AND u.best_start IS NOT NULL")
        texters = await conn.fetch(
            f"SELECT u.user_id FROM learned_users u {_ACTIVE} AND lower(u.preferred) = 'sms'")
        matched = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE match_reason IS NOT NULL) AS matched, count(*) AS all "
            "FROM leases WHERE created_at >= $1", since)
        spacing = await conn.fetch(
            "SELECT g.gap, g.calls, g.ratio FROM learned_spacing g JOIN learning_snapshots s "
            "ON s.id = g.snapshot_id WHERE s.status = 'ACTIVE' ORDER BY g.gap")
        scored = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE scored_snapshot IS NOT NULL) AS scored, "
            "count(*) AS all FROM queue_entries")
    state = {"version": learned.report.version, "users": learned.report.users,
             "segments": learned.report.segments, "seconds": learned.report.seconds,
             "rule_set": learned.active_name, "rebuild_seconds": learned.rebuild_seconds,
             "matched": tuple(matched), "scored": tuple(scored),
             "spacing": [tuple(r) for r in spacing]}
    return [dict(r) for r in windows], {r["user_id"] for r in texters}, state


async def extract(outcome: Outcome, wall: float) -> Extract:
    since = at(outcome.calendar[outcome.config.learn_after].date, 0)
    a = await _run_data(outcome.env_a, outcome.a.log, since)
    b = await _run_data(outcome.env_b, outcome.b.log, since)
    windows, texters, state = await _b_state(outcome, since)
    dialler = outcome.env_b.dialler
    return Extract(outcome.config, outcome.calendar, outcome.population.people, a, b, windows,
                   texters, state, outcome.seconds, outcome.service_calls,
                   Counter(dialler.calls), Counter(dialler.seconds), outcome.matching_points,
                   wall)
