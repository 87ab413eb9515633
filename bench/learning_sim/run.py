"""Runs A and B: the same customers and agents, the same first days under the default rule
set; then A goes on with it while B learns and goes on with the shipped ``learned`` rule set.

B's first days are A's, copied (fork) rather than replayed: the dialler's and the
replica's databases are copied at the quiet moment after the last learning day's calls
(every agent off shift), and so is the floor's state. From there each run has databases of
its own.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.learning_sim import oracle
from bench.learning_sim.calendar import Day, Shift, at, days
from bench.learning_sim.env import Env, autovacuum, create, fork
from bench.learning_sim.floor import Agent, Floor
from bench.learning_sim.hidden import agent_skill
from bench.learning_sim.population import Population, generate
from domain.queue.model import QueueType
from infrastructure.shipped_rule_sets import shipped_rule_set
from service_layer.learning import LearnReport

# A month with no English bank holiday and no clock change: 1 June 2026 is a Monday.
FIRST_DAY = date(2026, 6, 1)


@dataclass(frozen=True)
class Config:
    users: int = 20_000
    agents: int = 20
    days: int = 30
    learn_after: int = 15
    seed: int = 1
    first_day: date = FIRST_DAY
    shift_hours: float = 8.0  # each agent's weekday shift, half an hour's break included
    oracle_windows: bool = False  # B's windows the hidden truth (bench.learning_sim.oracle)
    full_confidence: bool = False  # B's learned windows at confidence 1 (the same)
    learned_factors: str | None = None  # JSON merged over the shipped learned section
    rule_changes: str | None = None  # JSON merged over the shipped document's sections
    nightly: bool = True  # B learns again every night, as the worker does (False: once)


@dataclass
class Learned:
    report: LearnReport
    rule_set_id: int
    active_name: str
    rebuild_seconds: float


@dataclass
class Outcome:
    """Both runs' floors and environments (still up, for the report's reads)."""

    config: Config
    population: Population
    calendar: list[Day]
    a: Floor
    b: Floor
    env_a: Env
    env_b: Env
    learned: Learned
    seconds: dict[str, float] = field(default_factory=dict)
    service_calls: dict[str, int] = field(default_factory=dict)
    matching_points: float = 0.0


def make_agents(cfg: Config, ids: list) -> list[Agent]:
    """Early and late shifts alternate, every other pair works Saturdays; seven in ten
    work UNSIGNED first, the rest OUTSTANDING_REQUESTS; callbacks always come first."""
    found = []
    for index, agent_id in enumerate(ids):
        primary, other = (QueueType.UNSIGNED, QueueType.OUTSTANDING_REQUESTS) \
            if index % 10 < 7 else (QueueType.OUTSTANDING_REQUESTS, QueueType.UNSIGNED)
        found.append(Agent(index, agent_id, agent_skill(cfg.seed, index),
                           Shift(index % 2 == 0, index % 4 < 2, cfg.shift_hours),
                           (QueueType.CALLBACK, primary, other)))
    return found


async def learn_and_switch(env: Env, population: Population, cfg: Config) -> Learned:
    """`dialler scoring learn`, then the shipped ``learned`` rule set stored, activated and
    the queues rebuilt under it (after the what-if the config asks for, if any)."""
    services = env.services
    report = await services.learning.run()
    if cfg.oracle_windows:
        await oracle.install(services, population)
    if cfg.full_confidence:
        await oracle.full_confidence(services)
    created = services.rule_sets
    document = shipped_rule_set("learned")
    changes = {**json.loads(cfg.rule_changes or "{}"),
               **({"learned": json.loads(cfg.learned_factors)} if cfg.learned_factors else {})}
    for section, value in changes.items():  # each section's keys replaced, the rest kept
        document[section] = {**document[section], **value} if isinstance(value, dict) \
            else value
    record = await created.create("learned", document, None)
    if isinstance(record, list):
        raise RuntimeError(f"the shipped learned rule set was refused: {record}")
    await created.activate(record.id, env.clock())
    started = time.perf_counter()
    await services.queues.rebuild()
    active = [r.name for r in await created.list() if r.status.value == "ACTIVE"]
    return Learned(report, record.id, ",".join(active), time.perf_counter() - started)


async def run_b(floor: Floor, env: Env, days_left: list[Day], far, cfg: Config,
                progress=print) -> None:
    """B's second part: with ``nightly``, day by day, learning (and rebuilding its queues,
    as the worker's full reconcile would) after each day's calls, as production does."""
    if not cfg.nightly:
        await floor.run(days_left, far)
        return
    for day in days_left[:-1]:
        night, started = at(day.date, 23, 30), time.perf_counter()
        await floor.run([day], night)
        env.clock.now = night
        ran = time.perf_counter() - started
        await env.services.learning.run()
        await env.services.queues.rebuild()
        progress(f"  B day {day.number}: {ran:.0f} s, then learning and a rebuild "
                 f"{time.perf_counter() - started - ran:.0f} s", flush=True)
    await floor.run(days_left[-1:], far)


def copy_floor(floor: Floor, env: Env) -> Floor:
    """The floor's state as it stands, on another dialler."""
    return Floor(floor.seed, floor.population, env.dialler, floor.agents,
                 users=copy.deepcopy(floor.users), log=copy.deepcopy(floor.log),
                 pending=list(floor.pending), callbacks=dict(floor.callbacks),
                 _seq=itertools.count(next(floor._seq)))


async def simulate(cfg: Config, progress=print) -> Outcome:
    """Runs A and B; the caller reports and then drops both environments."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    population = generate(cfg.seed, cfg.users, at(cfg.first_day, 6))
    env_a, ids = await create(population, cfg.agents, at(cfg.first_day, 6))
    env_b = None
    try:
        calendar = days(cfg.first_day, cfg.days, env_a.services.settings.calling_window)
        agents = make_agents(cfg, ids)
        await env_a.services.queues.rebuild()
        timings["set-up"] = time.perf_counter() - started
        floor_a = Floor(cfg.seed, population, env_a.dialler, agents)
        first, second = calendar[:cfg.learn_after], calendar[cfg.learn_after:]
        quiet = at(first[-1].date, 23, 30)
        step = time.perf_counter()
        async with autovacuum(env_a):
            await floor_a.run(first, quiet)
        timings[f"days 1-{cfg.learn_after} (shared)"] = time.perf_counter() - step
        progress(f"  days 1-{cfg.learn_after}: {len(floor_a.log.attempts)} calls, "
                 f"{time.perf_counter() - step:.0f} s", flush=True)
        calls_first = sum(env_a.dialler.calls.values())
        env_a.clock.now = quiet
        env_b = await fork(env_a)
        floor_b = copy_floor(floor_a, env_b)
        step = time.perf_counter()
        learned = await learn_and_switch(env_b, population, cfg)
        timings["learn + switch"] = time.perf_counter() - step
        far = at(calendar[-1].date + timedelta(days=5), 23)
        step = time.perf_counter()
        # The two runs are independent from here: run side by side (their databases' work
        # overlaps, as two call centres' would).
        async with autovacuum(env_a, env_b):
            await asyncio.gather(floor_a.run(second, far),
                                 run_b(floor_b, env_b, second, far, cfg, progress))
        timings[f"A and B days {cfg.learn_after + 1}-{cfg.days}"] = time.perf_counter() - step
        progress(f"  runs A and B, days {cfg.learn_after + 1}-{cfg.days}: "
                 f"{len(floor_a.log.attempts)}/{len(floor_b.log.attempts)} calls in all, "
                 f"{time.perf_counter() - step:.0f} s", flush=True)
        calls = {"shared": calls_first,
                 "A": sum(env_a.dialler.calls.values()) - calls_first,
                 "B": sum(env_b.dialler.calls.values()) - calls_first}
        return Outcome(cfg, population, calendar, floor_a, floor_b, env_a, env_b, learned,
                       timings, calls, env_a.services.settings.match_window_points)
    except BaseException:
        await env_a.drop()
        if env_b is not None:
            await env_b.drop()
        raise
