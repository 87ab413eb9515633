"""Seeding speed: `.venv/bin/python bench/bench_seed.py --users 50000 [--postgres] [--keep]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infrastructure.replica.database import ReplicaDatabase  # noqa: E402
from infrastructure.replica.seed import seed_replica  # noqa: E402
from tests import services as svc  # noqa: E402


async def main(args) -> None:
    if args.postgres:
        address = await svc.create_postgres_database("bench_seed")
    else:
        address = await svc.create_mysql_database("bench_seed")
    db = await ReplicaDatabase.open(address, read_only=False)
    try:
        started = time.perf_counter()
        summary = await seed_replica(db, args.users, seed=args.seed)
        elapsed = time.perf_counter() - started
        rows = (summary.users + summary.addresses + summary.claims + summary.requirements
                + summary.vehicle_packages)
        print(f"{address.dialect}: {summary}")
        print(f"wall {elapsed:.2f} s, {rows} rows, {rows / elapsed:,.0f} rows/s, "
              f"{summary.users / elapsed:,.0f} users/s")
    finally:
        await db.close()
        if args.keep:
            print(f"kept: {address.plain_url}")
        elif args.postgres:
            await svc.drop_postgres_database(address)
        else:
            await svc.drop_mysql_database(address)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="seed PostgreSQL (the demo)")
    parser.add_argument("--keep", action="store_true")
    asyncio.run(main(parser.parse_args()))
