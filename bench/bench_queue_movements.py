"""queueMovements and queueFlow over a period, at a million queue events.

    .venv/bin/python bench/bench_queue_movements.py --events 1000000 --days 93 --runs 20

A migrated throwaway dialler database; ``--events`` queue events spread evenly over the
last ``--days`` days (50,000 users, the three queues and every cause), ``--dispositions``
dispositions (a third of them contacts) and ``--conversions`` conversions over the same
days. Then the movement rollup's first run, and the report over the whole period by DAY
and by HOUR and over one day by HOUR, through the service (the SQL and the mapping): as
rolled up, and again after ``--late`` events are written afterwards into random hours of
the period (counted live until the next run). Then queueFlow over the whole period and
over one day. Prints the sizes, the rows each gives, and p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import databases, drop, new_agent, percentiles, settings_for  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from domain.analytics.ports import Bucket  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.runtime import settle_heap  # noqa: E402

_FILL = """
INSERT INTO queue_events (user_id, kind, from_queue, to_queue, score, reason, occurred_at,
                          cause)
SELECT g % 50000 + 1, (ARRAY['ADDED','REMOVED','MOVED','RESCORED'])[g % 4 + 1],
       (ARRAY[NULL,'UNSIGNED','OUTSTANDING_REQUESTS','CALLBACK'])[g % 4 + 1],
       (ARRAY['UNSIGNED',NULL,'CALLBACK','OUTSTANDING_REQUESTS'])[g % 4 + 1], g % 97,
       'bench', $1::timestamptz + (g::float8 / $2) * ($3::interval),
       (ARRAY['SIGNATURE_OBTAINED','REQUIREMENT_COMPLETED','REQUIREMENT_ADDED','CALLBACK_DUE',
              'DISPOSITION','DO_NOT_CALL','OPTED_OUT','UNDIALABLE','RESCORED','OTHER'])[g % 10 + 1]
FROM generate_series(0, $2 - 1) g
"""
# Users, times and outcomes spread with other strides than the events', so a join is
# followed by a contact after varying delays.
_DISPOSITIONS = """
INSERT INTO dispositions (lease_id, user_id, agent_id, queue_type, outcome, created_at)
SELECT gen_random_uuid(), (g::bigint * 7919) % 50000 + 1, $4, 'UNSIGNED',
       (ARRAY['contacted','no_answer','busy'])[g % 3 + 1],
       $1::timestamptz + (g::float8 / $2) * ($3::interval)
FROM generate_series(0, $2 - 1) g
"""
_CONVERSIONS = """
INSERT INTO conversions (dedupe_key, kind, user_id, occurred_at)
SELECT 'bench-' || g, 'SIGNED', (g::bigint * 104729) % 50000 + 1,
       $1::timestamptz + (g::float8 / $2) * ($3::interval)
FROM generate_series(0, $2 - 1) g
"""
# Events written after the rollup into random hours of the period: late ones.
_LATE = """
INSERT INTO queue_events (user_id, kind, from_queue, to_queue, reason, occurred_at, cause)
SELECT (random() * 49999)::int + 1, 'MOVED', 'UNSIGNED', 'CALLBACK', 'late',
       $1::timestamptz + random() * ($2::timestamptz - $1::timestamptz), 'CALLBACK_DUE'
FROM generate_series(1, $3)
"""


async def _fill(services, args: argparse.Namespace, start: datetime) -> None:
    span = timedelta(days=args.days)
    agent, _ = await new_agent(services, Role.AGENT)
    began = time.perf_counter()
    async with services.pg.acquire() as conn:
        await conn.execute(_FILL, start, args.events, span)
        await conn.execute(_DISPOSITIONS, start, args.dispositions, span, agent)
        await conn.execute(_CONVERSIONS, start, args.conversions, span)
        for table in ("queue_events", "dispositions", "conversions"):
            await conn.execute(f"VACUUM ANALYZE {table}")  # as autovacuum would have
    print(f"{args.events:,} queue events, {args.dispositions:,} dispositions, "
          f"{args.conversions:,} conversions over {args.days} days "
          f"(written in {time.perf_counter() - began:.1f} s)", flush=True)


async def _time(name: str, runs: int, report) -> None:
    found = await report()  # warm
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await report()
        times.append(time.perf_counter() - began)
    print(f"  {name}: {len(found):,} rows; {percentiles(times)}", flush=True)


async def _movements(services, runs: int, cases) -> None:
    for name, since, until, bucket in cases:
        await _time(name, runs, lambda s=since, u=until, b=bucket:
                    services.analytics.queue_movements(s, u, b))


async def main(args: argparse.Namespace) -> None:
    replica, dialler, ours = await databases(10)
    settings = settings_for(replica, dialler)
    services = await bootstrap(settings)
    try:
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(days=args.days)
        await _fill(services, args, start)
        settle_heap()  # as `dialler serve` does once started: a report's rows are young
        began = time.perf_counter()
        rolled = await services.movement_rollup.run()
        print(f"first rollup: {rolled.buckets:,} buckets, {rolled.rows:,} rows in "
              f"{time.perf_counter() - began:.1f} s", flush=True)
        cases = [(f"{args.days} days by DAY", start, end, Bucket.DAY),
                 (f"{args.days} days by HOUR", start, end, Bucket.HOUR),
                 ("one day by HOUR", end - timedelta(days=1), end, Bucket.HOUR)]
        print("queueMovements, rolled up:", flush=True)
        await _movements(services, args.runs, cases)
        async with services.pg.acquire() as conn:
            await conn.execute(_LATE, start, end, args.late)
        print(f"queueMovements after {args.late:,} late events:", flush=True)
        await _movements(services, args.runs, cases)
        began = time.perf_counter()
        rolled = await services.movement_rollup.run()
        print(f"next rollup: {rolled.buckets:,} buckets in "
              f"{time.perf_counter() - began:.2f} s", flush=True)
        print("queueFlow:", flush=True)
        for name, since in ((f"{args.days} days", start), ("one day", end - timedelta(days=1))):
            await _time(name, args.runs, lambda s=since: services.analytics.queue_flow(s, end))
    finally:
        await services.close()
        await drop(replica, dialler, ours, settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dispositions", type=int, default=300_000)
    parser.add_argument("--conversions", type=int, default=20_000)
    parser.add_argument("--late", type=int, default=100)
    parser.add_argument("--days", type=int, default=93)
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
