"""queueMovements over a period, at a million queue events.

    .venv/bin/python bench/bench_queue_movements.py --events 1000000 --days 93 --runs 20

A migrated throwaway dialler database; ``--events`` queue events spread evenly over the
last ``--days`` days (50,000 users, the three queues and every cause), then the report
over the whole period by DAY and by HOUR, and over one day by HOUR, through the service
(the SQL and the mapping). Prints the sizes, the rows each gives, and p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from domain.analytics.ports import Bucket  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402

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


async def main(args: argparse.Namespace) -> None:
    replica, dialler, ours = await databases(10)
    settings = settings_for(replica, dialler)
    services = await bootstrap(settings)
    try:
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(days=args.days)
        filled = time.perf_counter()
        async with services.pg.acquire() as conn:
            await conn.execute(_FILL, start, args.events, timedelta(days=args.days))
            await conn.execute("ANALYZE queue_events")
        print(f"{args.events:,} queue events over {args.days} days "
              f"(written in {time.perf_counter() - filled:.1f} s)", flush=True)
        cases = [(f"{args.days} days by DAY", start, end, Bucket.DAY),
                 (f"{args.days} days by HOUR", start, end, Bucket.HOUR),
                 ("one day by HOUR", end - timedelta(days=1), end, Bucket.HOUR)]
        for name, since, until, bucket in cases:
            found = await services.analytics.queue_movements(since, until, bucket)  # warm
            times = []
            for _ in range(args.runs):
                began = time.perf_counter()
                await services.analytics.queue_movements(since, until, bucket)
                times.append(time.perf_counter() - began)
            print(f"{name}: {len(found):,} rows; {percentiles(times)}", flush=True)
    finally:
        await services.close()
        await drop(replica, dialler, ours, settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=93)
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
