"""NextLead under contention: latency and double assignments with many agents at once.

    .venv/bin/python bench/bench_next_lead.py --users 50000 --agents 200 --rounds 10
Each agent asks for a lead, holds it, asks again (which returns the last one) — through
the lease store (what PostgreSQL does) and through the GraphQL API in-process. Afterwards
every pair of leases on one user is checked for overlap: there must be none.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from domain.agents.sessions import Principal  # noqa: E402
from domain.queue.model import QueueType  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from tests.services import insert_agents  # noqa: E402

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # inside the calling window
NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } } }")


async def make_agents(services, count: int) -> list[uuid.UUID]:
    async with services.pg.acquire() as conn:
        return await insert_agents(conn, count, "bench.local")


class Holders:
    """Who holds which user, by our own bookkeeping: a grant of a held user is a double."""

    def __init__(self) -> None:
        self.by_user: dict[int, uuid.UUID] = {}
        self.by_agent: dict[uuid.UUID, int] = {}
        self.doubles = 0

    def before_asking(self, agent_id: uuid.UUID) -> None:
        user = self.by_agent.pop(agent_id, None)  # asking again gives the last lead back
        if user is not None:
            self.by_user.pop(user, None)

    def granted(self, agent_id: uuid.UUID, user_id: int | None) -> None:
        if user_id is None:
            return
        if user_id in self.by_user:
            self.doubles += 1
        self.by_user[user_id], self.by_agent[agent_id] = agent_id, user_id


async def bursts(agents, rounds: int, ask) -> tuple[list[float], Holders]:
    """Every agent asks at the same moment, ``rounds`` times over."""
    samples: list[float] = []
    holders = Holders()

    async def one(agent_id):
        holders.before_asking(agent_id)
        started = time.perf_counter()
        user_id = await ask(agent_id)
        samples.append(time.perf_counter() - started)
        holders.granted(agent_id, user_id)

    for _ in range(rounds):
        await asyncio.gather(*(one(a) for a in agents))
    return samples, holders


async def store_ask(services, now):
    async def ask(agent_id):
        lease = await services.leases.lease_next(QueueType.UNSIGNED, agent_id, now,
                                                 timedelta(minutes=10))
        return lease.user_id if lease else None
    return ask


async def api_ask(services, http):
    async def ask(agent_id):
        token = services.tokens.issue(Principal(agent_id, Role.AGENT)).token
        body = (await http.post("/graphql", json={"query": NEXT},
                                headers={"Authorization": f"Bearer {token}"})).json()
        lead = body["data"]["nextLead"]
        return int(lead["assignment"]["user"]["id"]) if "assignment" in lead else None
    return ask


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users, replica_url=args.replica_url)
    # A fixed clock inside the calling window: no lease expires during the run, so any
    # user granted while another agent holds it is a true double assignment.
    services = await bootstrap(settings_for(replica, dialler, pg_pool_size=args.pool),
                               clock=lambda: NOW)
    try:
        report = await services.queues.rebuild()
        print(f"queue built: {report.by_kind}")
        agents = await make_agents(services, args.agents)
        store, held = await bursts(agents, args.rounds, await store_ask(services, NOW))
        print(f"lease store (PostgreSQL, pool {args.pool}), {args.agents} agents asking at "
              f"once x{args.rounds}: {percentiles(store)}; double assignments: {held.doubles}")
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            api, held = await bursts(agents, args.rounds, await api_ask(services, http))
        print(f"GraphQL NextLead, one API process, {args.agents} agents asking at once "
              f"x{args.rounds}: {percentiles(api)}; double assignments: {held.doubles}")
        async with services.pg.acquire() as conn:
            leases = await conn.fetchval("SELECT count(*) FROM leases")
            active = await conn.fetchval("SELECT count(*) FROM leases WHERE ended_at IS NULL")
            holders = await conn.fetchval(
                "SELECT count(*) FROM queue_entries WHERE leased_to IS NOT NULL")
        print(f"leases granted: {leases}; open now: {active}; entries held: {holders} "
              f"(equal: each held entry has exactly one open lease)")
    finally:
        await services.close()
        await drop(replica, dialler, ours, services.settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pool", type=int, default=20, help="asyncpg pool size")
    parser.add_argument("--replica-url", help="a replica already seeded (kept from before)")
    asyncio.run(main(parser.parse_args()))
