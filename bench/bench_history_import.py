"""`dialler history import` throughput over a generated file of calls and texts, then one
`dialler scoring learn` over what it loaded.

    .venv/bin/python bench/bench_history_import.py --users 50000 --rows 1000000
Seeds a throwaway replica (or --replica-url of a kept one), imports into a fresh dialler
database twice (the second time every row was imported before), prints rows per second.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import databases, drop, settings_for  # noqa: E402
from infrastructure.bootstrap_queues import bootstrap_queues  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402

OUTCOMES = ["NO_ANSWER"] * 5 + ["CONTACTED", "BUSY", "LEFT_VOICEMAIL", "CALLBACK_REQUESTED"]


def history_csv(users: int, rows: int, seed: int = 11) -> str:
    rng, start = random.Random(seed), datetime(2025, 1, 1, tzinfo=UTC)
    lines = ["external_id,user_id,occurred_at,channel,direction,outcome,talk_seconds,"
             "agent_email"]
    for n in range(rows):
        at = (start + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))).isoformat()
        user = rng.randrange(1, users + 1)
        if rng.random() < 0.8:
            outcome = rng.choice(OUTCOMES)
            talk = rng.randrange(20, 400) if outcome == "CONTACTED" else ""
            lines.append(f"h{n},{user},{at},call,outbound,{outcome},{talk},a{n % 40}@old.example")
        else:
            lines.append(f"h{n},{user},{at},sms,outbound,{rng.choice(['sent', 'replied'])},,")
    return "\n".join(lines) + "\n"


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users, replica_url=args.replica_url)
    services = await bootstrap_queues(settings_for(replica, dialler), spread=False)
    try:
        text = history_csv(args.users, args.rows)
        print(f"file: {args.rows} rows, {len(text) / 1e6:.0f} MB", flush=True)
        for label in ("first import", "the same file again"):
            started = time.perf_counter()
            report = await services.history.run(text)
            elapsed = time.perf_counter() - started
            print(f"{label}: {elapsed:.1f} s, {args.rows / elapsed:,.0f} rows/s; loaded "
                  f"{report.loaded}, imported before {report.already}, users moved "
                  f"{report.users}, refused {len(report.problems)}; peak RSS "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
                  flush=True)
        learned = await services.learning.run()
        print(f"scoring learn over {args.rows} rows: {learned.seconds:.1f} s, snapshot "
              f"{learned.version}, {learned.users} users, {learned.segments} segments; peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        await services.close()
        await drop(replica, dialler, ours and not args.keep)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--replica-url", help="a replica already seeded (kept from before)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded replica")
    asyncio.run(main(parser.parse_args()))
