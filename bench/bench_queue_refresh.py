"""Full queue rebuild: first build and rebuilds over a built queue, wall time and peak memory.

    .venv/bin/python bench/bench_queue_refresh.py --users 50000 [--runs 5]
    .venv/bin/python bench/bench_queue_refresh.py --users 500000 --runs 2
    .venv/bin/python bench/bench_queue_refresh.py --users 50000 --whole-process
Seeds a throwaway MariaDB replica (or --replica-url of a kept one), rebuilds into a fresh
PostgreSQL database, prints the figures, drops what it made.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_floor import environment  # noqa: E402
from bench.common import databases, drop, settings_for  # noqa: E402
from domain.queue.ports import Keys  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from infrastructure.runtime import settle_heap  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def read_all(services) -> float:
    """Seconds to read every user's facts from the replica, range by range, as a rebuild
    reading everyone does."""
    replica, step = services.queues.replica, services.queues.stores.range_size
    started = time.perf_counter()
    bounds = await replica.id_bounds()
    pending = await replica.pending_counts()
    for number in range(bounds[0] // step, bounds[1] // step + 1):
        await replica.read(Keys(number * step, number * step + step - 1), pending)
    return time.perf_counter() - started


def whole_process(settings, runs: int) -> None:
    """`dialler queue refresh` as a process of its own: a first build, then over a built
    queue, wall time and CPU (start-up included)."""
    source = Path(__file__).resolve().parents[1]
    env = environment(settings, source)
    for label in ["first build"] + ["over a built queue"] * runs:
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli.main", "queue", "refresh"], cwd=source,
                       check=True, env=env, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
        print(f"`dialler queue refresh`, {label}: {wall:.2f} s wall, {used:.2f} s CPU")


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users, replica_url=args.replica_url)
    if args.whole_process:
        try:
            whole_process(settings_for(replica, dialler), args.runs)
        finally:
            await drop(replica, dialler, ours and not args.keep)
        return
    services = await bootstrap(settings_for(replica, dialler))
    settle_heap()  # as the worker and `dialler queue refresh` do once started
    try:
        rss_before = rss_mb()
        started = time.perf_counter()
        first = await services.queues.rebuild()
        first_s = time.perf_counter() - started
        print(f"users={args.users} first build: {first_s:.2f} s, {first.written} rows written, "
              f"changes {first.by_kind}, process peak RSS {rss_mb():.0f} MB "
              f"(was {rss_before:.0f} MB before)")
        print(f"  not queued: {first.excluded}")
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            again = await services.queues.rebuild()
            times.append(time.perf_counter() - started)
            assert not again.changes, again.by_kind
        print(f"users={args.users} rebuild over a built queue: median "
              f"{statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
              f"over {len(times)} runs, {again.kept} users kept unread; "
              f"process peak RSS {rss_mb():.0f} MB ({again.processes} processes)")
        started = time.perf_counter()
        fresh = await services.queues.rebuild(afresh=True)
        fresh_s = time.perf_counter() - started
        assert not fresh.changes, fresh.by_kind
        read_s = await read_all(services)
        print(f"users={args.users} rebuild afresh (every user read and scored): {fresh_s:.2f} s; "
              f"reading every user's facts alone: {read_s:.2f} s; rebuild over a built queue / "
              f"read = {statistics.median(times) / read_s:.2f}x")
    finally:
        await services.close()
        await drop(replica, dialler, ours and not args.keep, services.settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--replica-url", help="a replica already seeded (kept from before)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded replica")
    parser.add_argument("--whole-process", action="store_true",
                        help="time `dialler queue refresh` as a process instead")
    asyncio.run(main(parser.parse_args()))
