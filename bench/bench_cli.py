"""The CLI as an operator starts it: CPU and wall time of whole `dialler` processes.

    .venv/bin/python bench/bench_cli.py --runs 10 --import-rows 1000

Runs `dialler --help`, `dialler agents create` (a new e-mail each run) and `dialler agents
import` of a CSV of --import-rows agents (first a create of them all, then the same file
again: an update of every row), each as its own process against a fresh dialler database.
CPU is the child's user + system time (getrusage), which is what the ≤ 0.5 s target is
about; the machine's load is printed too, since the CPU of the same work grows with it.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_floor import ROOT, environment  # noqa: E402
from bench.common import percentiles, settings_for  # noqa: E402
from tests import services as svc  # noqa: E402

DIALLER = str(Path(sys.executable).with_name("dialler"))


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one process, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([DIALLER, *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"dialler {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime), wall


def report(label: str, samples: list[tuple[float, float]]) -> None:
    print(f"{label}: CPU {percentiles([c for c, _ in samples], 1.0, 's')}; "
          f"wall {percentiles([w for _, w in samples], 1.0, 's')}", flush=True)


def write_agents(path: Path, rows: int, name: str) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "name", "role", "queue_types"])
        for n in range(rows):
            writer.writerow([f"bench{n}@cli.bench", f"{name} {n}", "AGENT", "UNSIGNED;CALLBACK"])


async def main(args) -> None:
    replica = await svc.create_mysql_database("bench_cli")
    dialler = await svc.create_postgres_database("bench_cli")
    settings = settings_for(replica, dialler)
    env = environment(settings, ROOT)
    try:
        timed(["db", "migrate"], env)
        print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} runs each", flush=True)
        report("dialler --help", [timed(["--help"], env) for _ in range(args.runs)])
        report("dialler agents create", [timed(
            ["agents", "create", "--email", f"create{n}@cli.bench", "--name", f"Create {n}",
             "--password", "correct horse battery staple"], env) for n in range(args.runs)])
        with tempfile.TemporaryDirectory() as folder:
            first, again = Path(folder, "agents.csv"), Path(folder, "renamed.csv")
            write_agents(first, args.import_rows, "Agent")
            write_agents(again, args.import_rows, "Renamed")
            report(f"dialler agents import, {args.import_rows} new agents",
                   [timed(["agents", "import", str(first)], env)])
            report(f"dialler agents import, the same {args.import_rows} agents renamed",
                   [timed(["agents", "import", str(again)], env)])
        print(f"load average {os.getloadavg()[0]:.2f}")
    finally:
        await svc.drop_postgres_database(dialler)
        await svc.drop_mysql_database(replica)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--import-rows", type=int, default=1000)
    asyncio.run(main(parser.parse_args()))
