"""Reconciliation and the time-driven rescore: a full sweep, a pass over 1 % changed users,
and the minute's rescore, each with its wall time and the process's peak memory.

    .venv/bin/python bench/bench_reconcile.py --users 50000 [--changed 0.01]
    .venv/bin/python bench/bench_reconcile.py --users 500000 --replica-url URL
Seeds a throwaway MariaDB replica (or uses --replica-url of a kept one, which it changes),
reconciles into a fresh PostgreSQL database, prints the figures, drops what it made.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import databases, drop, settings_for  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from infrastructure.replica.database import ReplicaDatabase  # noqa: E402
from sync_worker.jobs import run_job  # noqa: E402
from tests.queue_env import Clock  # noqa: E402


def peak_mb() -> float:
    """The process's peak resident memory since the last reset_peak()."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


async def timed(label: str, work):
    reset_peak()
    started = time.perf_counter()
    result = await work
    print(f"{label}: {time.perf_counter() - started:.2f} s, peak RSS {peak_mb():.0f} MB",
          flush=True)
    return result


async def change_users(services, replica, share: float) -> int:
    """A share of the users signed or unsigned, as the main application would write it."""
    low, high = await services.queues.replica.id_bounds()
    writer = await ReplicaDatabase.open(replica, read_only=False)
    chosen = random.Random(3).sample(range(low, high + 1), int((high - low + 1) * share))
    stamp = datetime.now(UTC).replace(tzinfo=None)  # after the full sweep's watermark
    for start in range(0, len(chosen), 5000):
        part = chosen[start:start + 5000]
        marks = ",".join(["%s"] * len(part))
        await writer.execute(
            "UPDATE users SET current_signature_file_id = CASE WHEN current_signature_file_id "
            f"IS NULL THEN 1 END, updated_at = %s WHERE id IN ({marks})", (stamp, *part))
    await writer.close()
    return len(chosen)


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users, replica_url=args.replica_url)
    clock = Clock(datetime.now(UTC))
    services = await bootstrap(settings_for(replica, dialler), clock=clock)
    try:
        full = await timed(f"users={args.users} reconcile, full sweep (first build)",
                           run_job(services, "reconcile", force=True))
        print(f"  written {full.figures['written']}, watermark {full.figures['watermark']}")
        again = await timed("reconcile, full sweep over a built queue",
                            run_job(services, "reconcile", force=True))
        print(f"  drift {again.drift}")
        await services.pg.execute(  # as if the last full sweep were FULL_RECONCILE_HOURS ago
            "UPDATE job_runs SET started_at = started_at - make_interval(hours => $1) "
            "WHERE job = 'reconcile'", services.settings.full_reconcile_hours)
        scheduled = await timed("reconcile, scheduled full sweep over a built queue (keeps "
                                "the users whose inputs stand)",
                                run_job(services, "reconcile", force=False, every=timedelta(0)))
        print(f"  full {scheduled.figures['full']}, drift {scheduled.drift}")
        changed = await change_users(services, replica, args.changed)
        clock.now += timedelta(seconds=1)
        passed = await timed(f"reconcile, {changed} users changed ({args.changed:.0%}), "
                             "reading only what changed",
                             run_job(services, "reconcile", force=False, every=timedelta(0)))
        print(f"  changed users read {passed.figures['changed_users']}, drift {passed.drift}")
        quiet = await timed("reconcile, nothing changed since",
                            run_job(services, "reconcile", force=False, every=timedelta(0)))
        print(f"  changed users read {quiet.figures['changed_users']}, drift {quiet.drift}")
        await rescore(services, clock)
    finally:
        await services.close()
        await drop(replica, dialler, ours and not args.keep, services.settings.redis_key_prefix)


async def rescore(services, clock: Clock) -> None:
    """A day on, every entry whose score moves by the day is due: their cost per entry,
    and a minute's share of a day's."""
    queued = await services.pg.fetchval("SELECT count(*) FROM queue_entries")
    clock.now += timedelta(days=1)
    due = await services.pg.fetchval(
        "SELECT count(*) FROM queue_entries WHERE next_change_at <= $1", clock.now)
    reset_peak()
    started, rescored = time.perf_counter(), 0
    while True:
        report = await services.queues.rescore_due()
        if not report.users:
            break
        rescored += report.users
    elapsed = time.perf_counter() - started
    print(f"time-driven rescore a day on: {queued} entries, {due} due, {rescored} rescored "
          f"in {elapsed:.2f} s ({elapsed / max(1, rescored) * 1e6:.0f} µs each), "
          f"peak RSS {peak_mb():.0f} MB; a minute's share of a day: "
          f"{rescored / 1440:.0f} entries, about {elapsed / 1440 * 1000:.0f} ms")
    started = time.perf_counter()
    idle = await services.queues.rescore_due()
    print(f"a minute with nothing due: {idle.users} rescored in "
          f"{(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--replica-url", help="a replica already seeded (kept from before)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded replica")
    asyncio.run(main(parser.parse_args()))
