"""What the shipped ``learned`` rule set costs against the default, in the same run: a whole
rebuild (every user read and scored afresh) and nextLead.

    .venv/bin/python bench/bench_learned_costs.py --users 50000 --rows 1000000
Seeds a replica, imports a generated call history (bench_history_import), learns a snapshot,
then times rebuilds and nextLead bursts under the default rule set, then under ``learned``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_history_import import history_csv  # noqa: E402
from bench.bench_next_lead import bursts, make_agents, store_ask  # noqa: E402
from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.bootstrap_queues import bootstrap_queues  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from infrastructure.shipped_rule_sets import shipped_rule_set  # noqa: E402
from service_layer.queues import RefreshReport  # noqa: E402
from tests.queue_env import Clock  # noqa: E402

NOW = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)  # a Wednesday evening: windows are open


async def learn_from_history(settings, users: int, rows: int) -> None:
    services = await bootstrap_queues(settings, spread=False)
    try:
        text = history_csv(users, rows)
        started = time.perf_counter()
        report = await services.history.run(text)
        imported = time.perf_counter() - started
        learned = await services.learning.run()
        print(f"history: {report.loaded} rows imported in {imported:.1f} s "
              f"({rows / imported:,.0f} rows/s); scoring learn {learned.seconds:.1f} s: snapshot "
              f"{learned.version}, {learned.users} users with history, {learned.segments} "
              f"segments", flush=True)
    finally:
        await services.close()


async def rebuilds(services, times: int) -> list[float]:
    took = []
    for _ in range(times):
        started = time.perf_counter()
        await services.queues.rebuild(afresh=True)
        took.append(time.perf_counter() - started)
    return took


async def hourly_rescores(services, clock: Clock, hours: int) -> str:
    """Time-driven rescoring as the worker's timer does it, on each of the next hours."""
    took, written = [], []
    for _ in range(hours):
        clock.now += timedelta(hours=1)
        started, report = time.perf_counter(), RefreshReport()
        while True:  # a batch at a time, until nothing is due
            batch = await services.queues.rescore_due()
            report.add(batch.users, batch.written, {}, [])
            if not batch.users:
                break
        took.append(time.perf_counter() - started)
        written.append(report.written)
    clock.now = NOW
    each = ", ".join(f"{t:.2f} s ({w:,} written)" for t, w in zip(took, written, strict=True))
    return f"hourly rescores: {each}"


async def measure(services, label: str, agents, args, clock: Clock
                  ) -> tuple[float, list[float]]:
    took = await rebuilds(services, args.rebuilds)
    hourly = await hourly_rescores(services, clock, args.hours)
    await services.queues.rebuild(afresh=True)
    asked, held = await bursts(agents, args.rounds, await store_ask(services, NOW))
    async with services.pg.acquire() as conn:
        learned = await conn.fetchval(
            "SELECT count(*) FROM queue_entries WHERE basis_window_start IS NOT NULL")
    print(f"{label}: rebuild afresh x{args.rebuilds} median {statistics.median(took):.2f} s "
          f"(min {min(took):.2f}); entries with habits {learned}; nextLead "
          f"{len(agents)} agents x{args.rounds}: {percentiles(asked)}; doubles "
          f"{held.doubles}; {hourly}", flush=True)
    return statistics.median(took), asked


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users)
    settings = settings_for(replica, dialler, rebuild_processes=1)
    await learn_from_history(settings, args.users, args.rows)
    clock = Clock(NOW)
    services = await bootstrap(settings, clock=clock)
    try:
        agents = await make_agents(services, args.agents)
        default, default_asks = await measure(services, "default", agents, args, clock)
        created = await services.rule_sets.create("learned", shipped_rule_set("learned"), None)
        await services.rule_sets.activate(created.id, NOW)
        learned, learned_asks = await measure(services, "learned", agents, args, clock)
        ratio = statistics.median(learned_asks) / statistics.median(default_asks)
        print(f"learned / default: rebuild {learned / default:.2f}x, nextLead p50 "
              f"{ratio:.2f}x")
    finally:
        await services.close()
        await drop(replica, dialler, ours, services.settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--rebuilds", type=int, default=3)
    parser.add_argument("--hours", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
