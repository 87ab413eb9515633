"""UserContext latency (cached and uncached) and SQL statements per request, on seeded data.

Run by hand:  .venv/bin/python bench/bench_user_context.py --users 50000 --requests 1000
Creates throwaway databases on the local MariaDB and PostgreSQL, drops them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.common import percentiles  # noqa: E402
from domain.agents.sessions import Principal  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from infrastructure.postgres.engine import make_engine  # noqa: E402
from infrastructure.postgres.migrate import migrate  # noqa: E402
from infrastructure.replica.database import ReplicaDatabase  # noqa: E402
from infrastructure.replica.seed import seed_replica  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402
from service_layer.agents import create_agent  # noqa: E402
from tests import services as svc  # noqa: E402
from tests.contracts import OPERATIONS  # noqa: E402

QUERY = (OPERATIONS
         / "user.graphql").read_text()
MANY = ("query($ids: [ID!]!) { userContexts(userIds: $ids) { user { id firstName address "
        "{ postCode } } claims { id lender requirements { id status } vehiclePackages { make } }"
        " callScore { currentScore } } }")


async def prepare(users: int):
    replica_addr = await svc.create_mysql_database("bench_replica")
    pg_addr = await svc.create_postgres_database("bench_dialler")
    db = await ReplicaDatabase.open(replica_addr, read_only=False)
    summary = await seed_replica(db, users, seed=7)
    print(f"seeded {summary}")
    await db.close()
    engine = make_engine(pg_addr, pool_size=1)
    await migrate(engine)
    await engine.dispose()
    return replica_addr, pg_addr


async def timed_requests(http, token, user_ids, cache, invalidate: bool) -> list[float]:
    samples = []
    for user_id in user_ids:
        if invalidate:
            await cache.invalidate([user_id])
        started = time.perf_counter()
        response = await http.post("/graphql", json={"query": QUERY,
                                                     "variables": {"userId": str(user_id)}},
                                   headers={"Authorization": f"Bearer {token}"})
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200 and "errors" not in response.json(), response.text
    return samples


async def count_statements(services, http, token, ids) -> tuple[int, int]:
    await services.user_context_cache.invalidate(ids)
    pg = {"n": 0}

    def count(*_a, **_k):
        pg["n"] += 1

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    before = services.replica.db.statements
    response = await http.post("/graphql", json={"query": MANY, "variables": {
        "ids": [str(i) for i in ids]}}, headers={"Authorization": f"Bearer {token}"})
    event.remove(services.engine.sync_engine, "before_cursor_execute", count)
    assert "errors" not in response.json(), response.text
    return services.replica.db.statements - before, pg["n"]


async def main(args) -> None:
    configure_logging("WARNING", json=True)
    replica_addr, pg_addr = await prepare(args.users)
    prefix = f"bench-{uuid.uuid4().hex[:6]}:"
    settings = Settings(database_url=pg_addr.plain_url, replica_database_url=replica_addr.plain_url,
                        redis_url=svc.REDIS_URL, jwt_secret="b" * 48, redis_key_prefix=prefix)
    services = await bootstrap(settings)
    try:
        agent = await create_agent(services.uow(), services.hasher, policy=services.password_policy,
                                   email="bench@example.com",
                                   password="benchmark password", name="Bench", role="AGENT",
                                   at=services.clock())
        token = services.tokens.issue(Principal(agent.id, agent.role)).token
        rng = random.Random(1)
        ids = rng.sample(range(1, args.users + 1), min(args.requests, args.users))
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            await timed_requests(http, token, ids[:50], services.user_context_cache, True)
            uncached = await timed_requests(http, token, ids, services.user_context_cache, True)
            cached = await timed_requests(http, token, ids, services.user_context_cache, False)
            for n in (1, 5, 50, 100):
                replica_n, pg_n = await count_statements(services, http, token, ids[:n])
                print(f"statements for {n:>3} contexts in one request: replica={replica_n} "
                      f"postgres={pg_n}")
        print(f"users={args.users} UserContext uncached: {percentiles(uncached)}")
        print(f"users={args.users} UserContext cached:   {percentiles(cached)}")
        print(f"ratio uncached/cached p50: "
              f"{statistics.median(uncached) / statistics.median(cached):.1f}x")
    finally:
        await services.close()
        await svc.delete_redis_keys(prefix)
        if not args.keep:
            await svc.drop_mysql_database(replica_addr)
            await svc.drop_postgres_database(pg_addr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--keep", action="store_true")
    asyncio.run(main(parser.parse_args()))
