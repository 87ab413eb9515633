"""What checking a token's standing (its session still live, its agent's current role and
active flag) costs on every request, and what each API process's live-socket sweep costs.

    .venv/bin/python bench/bench_session_check.py --sessions 10000 --checks 2000
The check is one read: two primary-key probes, agents and agent_sessions (PostgreSQL is
the truth, so a logout or a role change holds in every process at once). Compared with a
Redis GET of one key (what a cache in front of it would cost) and with the whole Me
request with and without a session. The sweep reads the standing of every open socket of
a process in one batched statement.
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
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402


async def timed(times: int, action) -> list[float]:
    samples = []
    for _ in range(times):
        t = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - t)
    return samples


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(50)
    services = await bootstrap(settings_for(replica, dialler))
    try:
        agent, now = uuid.uuid4(), datetime.now(UTC)
        sessions = [uuid.uuid4() for _ in range(args.sessions)]
        async with services.pg.acquire() as conn:
            await conn.execute(
                "INSERT INTO agents (id, email, name, role, password_hash, is_active) "
                "VALUES ($1, 'a@bench.local', 'Agent', 'AGENT', 'x', true)", agent)
            await conn.copy_records_to_table(
                "agent_sessions", columns=["id", "agent_id", "started_at", "last_seen_at",
                                           "expires_at"],
                records=[(s, agent, now, now, now + timedelta(hours=12)) for s in sessions])
            await conn.execute("ANALYZE agent_sessions")
        with_session = Principal(agent, Role.AGENT, sessions[len(sessions) // 2])
        key = f"{services.settings.redis_key_prefix}session:{with_session.session_id}"
        await services.redis.client.set(key, b"1")
        await timed(200, lambda: services.presence.standing(with_session))  # warm up
        print(f"{args.sessions} sessions")
        pg = await timed(args.checks, lambda: services.presence.standing(with_session))
        redis = await timed(args.checks, lambda: services.redis.client.get(key))
        print(f"PostgreSQL standing check:    {percentiles(pg)}")
        print(f"Redis GET of one key:         {percentiles(redis)}")
        sockets = [Principal(agent, Role.AGENT, s) for s in sessions[:args.sockets]]
        sweep = await timed(200, lambda: services.presence.standings(sockets))
        print(f"Sweep of {args.sockets} sockets, one read: {percentiles(sweep)}")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                                     base_url="http://bench") as http:
            for label, principal in (("Me, token with a session:   ", with_session),
                                     ("Me, token without a session:", Principal(agent,
                                                                                Role.AGENT))):
                headers = {"Authorization": f"Bearer {services.tokens.issue(principal).token}"}

                async def me(headers=headers):
                    body = (await http.post("/graphql", json={"query": "{ me { id } }"},
                                            headers=headers)).json()
                    assert "errors" not in body, body

                await timed(100, me)
                print(f"{label} {percentiles(await timed(args.checks // 2, me))}")
    finally:
        prefix = services.settings.redis_key_prefix
        await services.close()
        await drop(replica, dialler, ours, prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=2_000)
    parser.add_argument("--sockets", type=int, default=500, help="open sockets per process")
    asyncio.run(main(parser.parse_args()))
