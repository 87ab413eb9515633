"""searchUsers at 50,000 and 500,000 synthetic users.

    .venv/bin/python bench/bench_user_search.py --users 50000 500000 --runs 200

Per size: a seeded MariaDB replica and a migrated dialler database; the search index
built from the replica (timed, and timed again over a built index), then a mix of the
queries supervisors type (whole and partial numbers in several writings, e-mails whole and
partial, claim ids, full names, misspelt names, a common surname, a first name alone),
each through the service (index SQL and ranking) and through the API (GraphQL over ASGI
with a SUPERVISOR's token, the users loaded from the replica). Prints p50/p99 per kind and
over the mix. The synthetic names come from 50 first and 44 last names, so a surname
matches about 1 user in 44: harder than real data for a trigram index.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.common import (  # noqa: E402
    databases,
    drop,
    percentiles,
    settings_for,
    token_for_new_agent,
)
from domain.agents.model import Role  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402

QUERY = ("query($q: String!, $n: Int!) { searchUsers(query: $q, first: $n) { "
         "user { id firstName lastName phoneNumber email } matchedOn rank } }")


async def _queries(services, rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(kind, query) drawn from the replica's own users."""
    db = services.replica.db
    users = await db.fetch("SELECT first_name, last_name, email, phone_number FROM users "
                           "WHERE phone_number LIKE '07%%' AND email IS NOT NULL "
                           "AND first_name IS NOT NULL AND last_name IS NOT NULL LIMIT 2000")
    claims = [r[0] for r in await db.fetch("SELECT id FROM claims LIMIT 2000")]

    def one(kind: str) -> str:
        first, last, email, phone = rng.choice(users)
        digits = phone.replace(" ", "")
        return {
            "phone (as stored)": phone,
            "phone (+44)": "+44 " + digits[1:],
            "phone (first 7 digits)": digits[:7],
            "e-mail": email,
            "e-mail (to the @ and 2)": email[:email.index("@") + 3],
            "e-mail start, no @ (a name)": email[:max(3, email.index("@") - 2)],
            "claim id": str(rng.choice(claims)),
            "full name": f"{first} {last}",
            "misspelt name": f"{first[:-1]}{last[:2]}{last[3:]}".lower()
            if len(last) > 3 else f"{first} {last}y",
            "surname": last,
            "first name": first,
        }[kind]

    kinds = ["phone (as stored)", "phone (+44)", "phone (first 7 digits)", "e-mail",
             "e-mail (to the @ and 2)", "e-mail start, no @ (a name)", "claim id", "full name",
             "misspelt name", "surname", "first name"]
    return [(kind, one(kind)) for _ in range(count // len(kinds)) for kind in kinds]


async def _timed(search, queries: list[tuple[str, str]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for kind, query in queries:
        began = time.perf_counter()
        await search(query)
        times.setdefault(kind, []).append(time.perf_counter() - began)
    return times


def _report(label: str, times: dict[str, list[float]]) -> None:
    print(f"  {label}:", flush=True)
    for kind, samples in times.items():
        print(f"    {kind:<24} {percentiles(samples)}")
    print(f"    {'all':<24} {percentiles([t for s in times.values() for t in s])}",
          flush=True)


async def one_size(users: int, runs: int, replica_url: str | None) -> None:
    replica, dialler, ours = await databases(users, replica_url=replica_url)
    settings = settings_for(replica, dialler)
    services = await bootstrap(settings)
    try:
        began = time.perf_counter()
        written = await services.search_keeper.rebuild()
        first = time.perf_counter() - began
        began = time.perf_counter()
        again = await services.search_keeper.rebuild()
        second = time.perf_counter() - began
        async with services.pg.acquire() as conn:
            await conn.execute("ANALYZE user_search")
            await conn.execute("ANALYZE user_search_claims")
            size = await conn.fetchval(
                "SELECT pg_size_pretty(pg_total_relation_size('user_search') + "
                "pg_total_relation_size('user_search_claims'))")
        print(f"{users:,} users: index built in {first:.1f} s ({written:,} rows), "
              f"again over a built index {second:.1f} s ({again} rows changed); {size}",
              flush=True)
        queries = await _queries(services, random.Random(users), runs)
        hits = [len(await services.user_search.search(q, 20)) for _, q in queries[:10]]
        print(f"  hits of the first of each kind (first: 20): {hits}")
        await _timed(lambda q: services.user_search.search(q, 20), queries[:50])  # warm
        _report("service (index SQL and ranking)",
                await _timed(lambda q: services.user_search.search(q, 20), queries))
        token = await token_for_new_agent(services, Role.SUPERVISOR)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                                     base_url="http://bench") as http:
            async def over_api(q: str) -> None:
                body = (await http.post("/graphql", json={
                    "query": QUERY, "variables": {"q": q, "n": 20}},
                    headers={"Authorization": f"Bearer {token}"})).json()
                assert "errors" not in body, body

            await _timed(over_api, queries[:50])
            _report("searchUsers over the API (first: 20, users from the replica)",
                    await _timed(over_api, queries))
    finally:
        await services.close()
        await drop(replica, dialler, ours, settings.redis_key_prefix)


async def main(args: argparse.Namespace) -> None:
    for users in args.users:
        await one_size(users, args.runs, args.replica_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--replica-url", help="a replica seeded before (one size), kept")
    asyncio.run(main(parser.parse_args()))
