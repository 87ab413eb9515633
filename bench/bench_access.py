"""What the access rule costs: QueuePage (first: 50 and 500) and UserContext over HTTP, as a
supervisor (who sees everyone: no statement) and as an agent who works on every user asked
(the rule's one statement per request, then the same answer).

    .venv/bin/python bench/bench_access.py --users 50000 [--requests 50] [--before /tmp/before]

The agent is tied to the page's 500 users and the contexts' users by a call each, today.
``--before DIR`` also runs DIR's API (a worktree of an older commit, on this venv and these
databases) for the same requests, so before and after come from the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.bench_queue_page import PAGE, _Cpu, api_process  # noqa: E402
from bench.common import databases, drop, new_agent, percentiles, settings_for  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from tests import services as svc  # noqa: E402
from tests.contracts import OPERATIONS  # noqa: E402

CONTEXT = (OPERATIONS / "user.graphql").read_text()
CONTEXT_USERS = 200


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users, replica_url=args.replica_url)
    settings = settings_for(replica, dialler)
    services = await bootstrap(settings)
    try:
        await services.queues.rebuild()
        tokens = {role: await new_agent(services, Role(role))
                  for role in ("SUPERVISOR", "AGENT")}
        page_users, context_users = await _tie(services, tokens["AGENT"][0])
        print(f"users={args.users}; the agent works on {len(page_users)} page users and "
              f"{len(context_users)} context users", flush=True)
        figures: dict[tuple[str, str, str], float] = {}
        for label, root in [("after", ROOT)] + ([("before", Path(args.before))]
                                                 if args.before else []):
            async with api_process(settings, root=root) as (base_url, pid), \
                    httpx.AsyncClient(base_url=base_url, timeout=60) as http:
                print(f"{label} ({root}, pid {pid}):", flush=True)
                for role, (_, token) in tokens.items():
                    figures |= await _measure(http, token, pid, args.requests, label, role,
                                              context_users)
            # The next API starts afresh: its own rate-limit budgets and context cache.
            await svc.delete_redis_keys(settings.redis_key_prefix)
        _ratios(figures)
    finally:
        await services.close()
        await drop(replica, dialler, ours, services.settings.redis_key_prefix)


async def _tie(services, agent_id: uuid.UUID) -> tuple[list[int], list[int]]:
    """A call today with each of the page's users (and the contexts' users)."""
    page = [r["user_id"] for r in await services.pg.fetch(
        "SELECT user_id FROM queue_entries WHERE queue_type = 'UNSIGNED' "
        "ORDER BY score, user_id LIMIT 500")]
    contexts = page[:CONTEXT_USERS]
    now = services.clock()
    await services.pg.execute(
        "INSERT INTO calls (id, direction, status, user_id, agent_id, started_at, updated_at) "
        "SELECT gen_random_uuid(), 'OUTBOUND', 'COMPLETED', u, $2, $3, $3 "
        "FROM unnest($1::bigint[]) u",
        page, agent_id, now)
    return page, contexts


async def _measure(http, token, pid, requests, label, role, context_users) -> dict:
    headers = {"Authorization": f"Bearer {token}"}

    async def ask(query: str, variables: dict) -> None:
        response = await http.post("/graphql", json={"query": query, "variables": variables},
                                   headers=headers)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, str(body)[:500]

    figures = {}
    runs = [("QueuePage(first: 50)", PAGE, lambda i: {"type": "UNSIGNED", "first": 50},
             requests),
            ("QueuePage(first: 500)", PAGE, lambda i: {"type": "UNSIGNED", "first": 500},
             requests),
            ("UserContext (cached)", CONTEXT,
             lambda i: {"userId": str(context_users[i % len(context_users)])}, requests * 10)]
    for name, query, variables, count in runs:
        for i in range(max(3, len(context_users) if "Context" in name else 3)):
            await ask(query, variables(i))  # warm: caches, pool, the contexts' cache entries
        samples, cpu = [], _Cpu(pid)
        for i in range(count):
            started = time.perf_counter()
            await ask(query, variables(i))
            samples.append(time.perf_counter() - started)
        ordered = sorted(samples)
        figures[(label, role, name)] = ordered[len(ordered) // 2]
        figures[(label, role, name + " p99")] = ordered[min(len(ordered) - 1,
                                                            int(0.99 * len(ordered)))]
        print(f"  {role:<10} {name}: {percentiles(samples)}; {cpu.per(count)}", flush=True)
    return figures


def _ratios(figures: dict) -> None:
    print("ratios (p50, p99):")
    for name in ("QueuePage(first: 50)", "QueuePage(first: 500)", "UserContext (cached)"):
        for label in ("after", "before"):
            sup, agent = (figures.get((label, r, name)) for r in ("SUPERVISOR", "AGENT"))
            sup99, agent99 = (figures.get((label, r, name + " p99"))
                              for r in ("SUPERVISOR", "AGENT"))
            if sup and agent:
                print(f"  {label}: {name} agent/supervisor {agent / sup:.2f}, "
                      f"p99 {agent99 / sup99:.2f}")
        for role in ("SUPERVISOR", "AGENT"):
            after, before = (figures.get((label, role, name)) for label in ("after", "before"))
            if after and before:
                print(f"  {role.lower()} after/before: {name} {after / before:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--replica-url")
    parser.add_argument("--before", help="another checkout's root, to run its API too")
    asyncio.run(main(parser.parse_args()))
