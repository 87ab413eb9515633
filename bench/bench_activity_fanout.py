"""AgentActivity fan-out: one status change to many supervisors over real websockets.

    .venv/bin/python bench/bench_activity_fanout.py --supervisors 100 --rounds 50
Starts the API in-process under uvicorn, connects N supervisors (graphql-transport-ws) to
the contract's AgentActivity subscription, then has an agent change status through the
SetAgentStatus mutation (HTTP) once per round, then publishes the event directly. It prints
how long until the FIRST and the LAST supervisor had each event, from the moment the
mutation was sent (its PostgreSQL write, the Redis publish, the per-process fan-out, the
websocket sends) or the event published (Redis and the fan-out alone).
The clients run in the same process as the server, so their decoding is included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
import websockets  # noqa: E402

from bench.common import (  # noqa: E402
    databases,
    drop,
    percentiles,
    settings_for,
    token_for_new_agent,
)
from domain.agents.model import AgentStatus, AgentStatusChanged, Role  # noqa: E402
from domain.agents.sessions import Principal  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from tests.services import free_port  # noqa: E402

ACTIVITY = "subscription AgentActivity { agentActivity { agentId status reason occurredAt } }"
STATUS = ("mutation($s: AgentStatus!, $r: String) { setAgentStatus(status: $s, reason: $r) "
          "{ status } }")


class Watcher:
    """One supervisor's socket; records when each round's event arrived."""

    def __init__(self, arrivals: dict[str, list[float]]):
        self.arrivals = arrivals
        self.ready = asyncio.Event()

    async def run(self, url: str, token: str) -> None:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"],
                                      max_queue=None) as ws:
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": ACTIVITY}}))
            self.ready.set()
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "next":
                    reason = message["payload"]["data"]["agentActivity"]["reason"]
                    self.arrivals.setdefault(reason, []).append(time.perf_counter())


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(50)
    services = await bootstrap(settings_for(replica, dialler))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=port,
                                           log_config=None, lifespan="off", ws_max_queue=64))
    serving = asyncio.create_task(server.serve())
    watchers: list[asyncio.Task] = []
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers only this flag
            await asyncio.sleep(0.02)
        supervisor = await token_for_new_agent(services, Role.SUPERVISOR)
        arrivals: dict[str, list[float]] = {}
        people = [Watcher(arrivals) for _ in range(args.supervisors)]
        watchers = [asyncio.create_task(w.run(f"ws://127.0.0.1:{port}/graphql", supervisor))
                    for w in people]
        await asyncio.gather(*(w.ready.wait() for w in people))
        await asyncio.sleep(0.5)  # every subscription has reached its listener
        agent_id = uuid.uuid4()
        async with services.pg.acquire() as conn:
            await conn.execute(
                "INSERT INTO agents (id, email, name, role, password_hash, is_active) "
                "VALUES ($1, $2, 'Agent', 'AGENT', 'x', true)", agent_id,
                f"{agent_id}@bench.local")
        token = services.tokens.issue(Principal(agent_id, Role.AGENT)).token
        await fan_out_rounds(args, port, token, arrivals, services, agent_id)
    finally:
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        server.should_exit = True
        await serving
        prefix = services.settings.redis_key_prefix
        await services.close()
        await drop(replica, dialler, ours, prefix)


async def fan_out_rounds(args, port: int, token: str, arrivals: dict[str, list[float]],
                         services, agent_id: uuid.UUID) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:

        async def by_mutation(n: int, reason: str) -> None:
            response = await http.post("/graphql", json={"query": STATUS, "variables": {
                "s": ("AVAILABLE", "ON_CALL")[n % 2], "r": reason}},
                headers={"Authorization": f"Bearer {token}"})
            assert "errors" not in response.json(), response.text

        async def by_publish(n: int, reason: str) -> None:
            now = datetime.now(UTC)
            await services.events.publish([AgentStatusChanged(
                agent_id, AgentStatus.AVAILABLE, AgentStatus.ON_CALL, reason, now)])

        print(f"{args.supervisors} supervisors, {args.rounds} rounds each")
        for label, action in (("mutation sent", by_mutation), ("event published", by_publish)):
            first, last, missing = [], [], 0
            for n in range(args.rounds):
                reason = f"{label} {n}"
                sent = time.perf_counter()
                await action(n, reason)
                for _ in range(500):
                    if len(arrivals.get(reason, ())) >= args.supervisors:
                        break
                    await asyncio.sleep(0.002)
                got = arrivals.get(reason, [])
                missing += args.supervisors - len(got)
                if got:
                    first.append(min(got) - sent)
                    last.append(max(got) - sent)
            print(f"{label} -> first supervisor: {percentiles(first)}")
            print(f"{label} -> last supervisor:  {percentiles(last)}  ({missing} missing)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--supervisors", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
