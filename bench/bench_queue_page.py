"""QueuePage end to end (users, claims, requirements) and its SQL statements.

    .venv/bin/python bench/bench_queue_page.py --users 50000 [--replica-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from domain.agents.sessions import Principal  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402

PAGE = (Path(__file__).resolve().parents[2] / "shared" / "contracts" / "operations"
        / "queue.graphql").read_text().split("\n\n")[0]


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users, replica_url=args.replica_url)
    services = await bootstrap(settings_for(replica, dialler))
    try:
        await services.queues.rebuild()
        token = services.tokens.issue(Principal(uuid.uuid4(), Role.SUPERVISOR)).token
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for first in (50, 500):
                samples, statements = [], []
                for _ in range(args.requests):
                    replica_before = services.replica.db.statements
                    pg_before = services.pg_statements.count
                    started = time.perf_counter()
                    response = await http.post(
                        "/graphql", json={"query": PAGE, "variables": {
                            "type": "UNSIGNED", "first": first}},
                        headers={"Authorization": f"Bearer {token}"})
                    samples.append(time.perf_counter() - started)
                    body = response.json()
                    page = body["data"]["queue"]
                    assert len(page["edges"]) == min(first, page["totalCount"]), body
                    statements.append((services.replica.db.statements - replica_before)
                                      + (services.pg_statements.count - pg_before))
                print(f"QueuePage(first: {first}) with users, claims, requirements: "
                      f"{percentiles(samples)}; SQL statements per request: "
                      f"{sorted(set(statements))}")
    finally:
        await services.close()
        await drop(replica, dialler, ours, services.settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--replica-url", help="a replica already seeded (kept from before)")
    asyncio.run(main(parser.parse_args()))
