"""The supervisor's Dashboard: latency with many agents and a busy day.

    .venv/bin/python bench/bench_dashboard.py --agents 100 --calls 20000 --history-days 30
Inserts synthetic agents, today's calls, dispositions and conversions (and as many per day
for the days before, so the indexes have to pick today out) and a queue of 50,000 entries,
then times the Dashboard
query through the GraphQL API in-process and the SQL alone, and counts its statements.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.common import (  # noqa: E402
    databases,
    drop,
    percentiles,
    settings_for,
    token_for_new_agent,
)
from domain.agents.model import Role  # noqa: E402
from domain.analytics.figures import OutcomeGroup, london_day  # noqa: E402
from domain.calls.outcomes import CallOutcome  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
DASHBOARD = """query { dashboard { queues { queueType size callableNow }
  agents { agent { id name } status statusSince callsToday talkSecondsToday }
  callsToday contactRate averageHandleSeconds conversionsToday } }"""
STATUSES = ["AVAILABLE", "ON_CALL", "WRAP_UP", "PAUSED", "OFFLINE"]
OUTCOMES = [o.value for o in CallOutcome]


async def fill(services, agents: int, calls: int, days: int, entries: int,
               rng: random.Random) -> list:
    ids = [uuid.uuid4() for _ in range(agents)]
    day = london_day(NOW)
    async with services.pg.acquire() as conn:
        await conn.executemany(
            "INSERT INTO agents (id, email, name, role, password_hash, status, status_since, "
            "is_active) VALUES ($1, $2, $3, 'AGENT', 'x', $4, $5, true)",
            [(i, f"{i}@bench.local", f"Agent {n:03d}", rng.choice(STATUSES), NOW)
             for n, i in enumerate(ids)])
        for back in range(days + 1):
            start = day.start - timedelta(days=back)
            span = (NOW - day.start) if back == 0 else timedelta(days=1)
            moments = [start + span * rng.random() for _ in range(calls)]
            await conn.copy_records_to_table(
                "calls", columns=["id", "direction", "status", "user_id", "agent_id",
                                  "started_at", "talk_seconds", "updated_at"],
                records=[(uuid.uuid4(), "OUTBOUND", "COMPLETED", rng.randint(1, 10**6),
                          rng.choice(ids), at, rng.choice([0, 0, rng.randint(5, 900)]), at)
                         for at in moments])
            await conn.copy_records_to_table(
                "dispositions", columns=["lease_id", "user_id", "agent_id", "queue_type",
                                         "outcome", "created_at"],
                records=[(uuid.uuid4(), rng.randint(1, 10**6), rng.choice(ids), "UNSIGNED",
                          rng.choice(OUTCOMES), at) for at in moments])
            await conn.copy_records_to_table(
                "conversions", columns=["dedupe_key", "kind", "user_id", "agent_id",
                                        "occurred_at", "created_at"],
                records=[(uuid.uuid4().hex, "SIGNED", rng.randint(1, 10**6), rng.choice(ids),
                          at, at) for at in moments[: calls // 20]])
        await conn.copy_records_to_table(
            "queue_entries", columns=["user_id", "queue_type", "score", "next_call_after"],
            records=[(n, rng.choice(("CALLBACK", "UNSIGNED", "OUTSTANDING_REQUESTS")),
                      rng.uniform(-100, 100),
                      NOW + timedelta(hours=rng.choice((-1, 1)))) for n in range(entries)])
        await conn.execute("ANALYZE calls; ANALYZE dispositions; ANALYZE conversions; "
                           "ANALYZE queue_entries")
    return ids


async def explain(services) -> None:
    """Prints PostgreSQL's plan of each dashboard statement, with timings."""
    from domain.analytics.figures import CONTACT_OUTCOMES
    from infrastructure.postgres.views import analytics as sql

    day, contacts = london_day(NOW), list(CONTACT_OUTCOMES)
    async with services.pg.acquire() as conn:
        plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql._ACTIVITY}", day.start,
                                day.end, contacts)
        print("\n".join(r[0] for r in plan))


async def reports(services, days: int) -> None:
    """The period reports once each: over the whole history, and LENDER over today."""
    analytics, end = services.analytics, london_day(NOW).end
    start = end - timedelta(days=days + 1)
    t = time.perf_counter()
    rows = await analytics.agent_performance(start, end)
    print(f"agentPerformance over {days + 1} days: {len(rows)} agents in "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")
    for by in (OutcomeGroup.QUEUE, OutcomeGroup.HOUR, OutcomeGroup.AGENT):
        t = time.perf_counter()
        found = await analytics.outcome_breakdown(start, end, by)
        print(f"outcomeBreakdown {by.value} over {days + 1} days: {len(found.rows)} rows in "
              f"{(time.perf_counter() - t) * 1000:.0f} ms")
    t = time.perf_counter()
    found = await analytics.outcome_breakdown(end - timedelta(days=1), end, OutcomeGroup.LENDER)
    print(f"outcomeBreakdown LENDER over today: {len(found.rows)} rows in "
          f"{(time.perf_counter() - t) * 1000:.0f} ms (replica read for every user called)")


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(200)
    settings = settings_for(replica, dialler)
    services = await bootstrap(settings, clock=lambda: NOW)
    try:
        started = time.perf_counter()
        await fill(services, args.agents, args.calls, args.history_days, args.queue_entries,
                   random.Random(5))
        print(f"inserted {args.agents} agents, {args.calls} calls/dispositions today and per "
              f"day for {args.history_days} days before, {args.queue_entries} queue entries "
              f"({time.perf_counter() - started:.1f} s)")
        if args.explain:
            await explain(services)
        sql = []
        for _ in range(args.requests):
            t = time.perf_counter()
            await services.analytics.board()
            sql.append(time.perf_counter() - t)
        print(f"dashboard SQL only (2 statements):  {percentiles(sql)}")
        token = await token_for_new_agent(services, Role.SUPERVISOR)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                                     base_url="http://bench") as http:
            headers = {"Authorization": f"Bearer {token}"}
            before = services.pg_statements.count
            body = (await http.post("/graphql", json={"query": DASHBOARD},
                                    headers=headers)).json()
            per_request = services.pg_statements.count - before
            board = body["data"]["dashboard"]
            print(f"one dashboard: {len(board['agents'])} agents, callsToday "
                  f"{board['callsToday']}, {per_request} SQL statements")
            api = []
            for _ in range(args.requests):
                t = time.perf_counter()
                response = await http.post("/graphql", json={"query": DASHBOARD},
                                           headers=headers)
                api.append(time.perf_counter() - t)
                assert "errors" not in response.json()
        print(f"Dashboard through GraphQL:          {percentiles(api)}")
        await reports(services, args.history_days)
    finally:
        prefix = services.settings.redis_key_prefix
        await services.close()
        await drop(replica, dialler, ours, prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--history-days", type=int, default=30)
    parser.add_argument("--queue-entries", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    asyncio.run(main(parser.parse_args()))
