"""Magic links: issue, click and redeem latency, concurrent redemption, purge of a big table.

    .venv/bin/python bench/bench_magic_links.py --users 2000 --concurrency 50
Issues one e-mail link per user (record-only adapter: the cost is ours, not a mail server's),
follows and redeems each through the in-process API, races ``--concurrency`` redemptions
of one link (exactly one must win), then purges a table of ``--purge-rows`` old links.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from domain.agents.sessions import Principal  # noqa: E402
from domain.links.model import Channel, Purpose  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402

REDEEM = ("mutation($t: String!) { redeemMagicLink(token: $t) { __typename "
          "... on MagicLinkInvalid { reason } } }")


async def _timed(samples: list[float], awaitable):
    started = time.perf_counter()
    result = await awaitable
    samples.append(time.perf_counter() - started)
    return result


async def run(users: int, concurrency: int, purge_rows: int) -> None:
    replica, dialler, ours = await databases(users)
    settings = settings_for(replica, dialler, link_base_url="http://links.bench")
    services = await bootstrap(settings)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                             base_url="http://bench")
    try:
        links = services.magic_links
        ids = [r[0] for r in await services.replica.db.fetch(
            "SELECT id FROM users WHERE email LIKE %s ORDER BY id LIMIT %s", ("%@%.%", users))]
        issue, click, redeem = [], [], []
        urls = []
        for user_id in ids:
            issued = await _timed(issue, links.issue_magic_link(user_id, Purpose.SIGN,
                                                                Channel.EMAIL))
            if hasattr(issued, "url"):
                urls.append(issued.url)
        print(f"issue (service, e-mail record-only)  {percentiles(issue)}  sent={len(urls)}")
        for url in urls:
            response = await _timed(click, http.get(url.replace("http://links.bench", "")))
            assert response.status_code == 303, response.status_code
        print(f"click GET /l/{{token}} (API)           {percentiles(click)}")
        from service_layer.agents import create_agent

        agent = await create_agent(services.uow(), services.hasher, policy=services.password_policy,
                                   email="int@bench.local",
                                   password="bench password long", name="Main app",
                                   role="INTEGRATION", at=services.clock())
        headers = {"Authorization": "Bearer " + services.tokens.issue(
            Principal(agent.id, Role.INTEGRATION)).token}
        for url in urls:
            body = (await _timed(redeem, http.post("/graphql", headers=headers, json={
                "query": REDEEM, "variables": {"t": url.rsplit("/", 1)[1]}}))).json()
            assert body["data"]["redeemMagicLink"]["__typename"] == "MagicLinkRedeemed", body
        print(f"redeem (API, INTEGRATION)             {percentiles(redeem)}")
        await race(links, ids[0], concurrency)
        await purge(services, purge_rows)
    finally:
        await http.aclose()
        await services.close()
        await drop(replica, dialler, ours, settings.redis_key_prefix)


async def race(links, user_id: int, concurrency: int) -> None:
    async with links.store.pool.acquire() as conn:  # room under the hourly limit
        await conn.execute("DELETE FROM magic_links WHERE user_id = $1", user_id)
    issued = await links.issue_magic_link(user_id, Purpose.SIGN, Channel.EMAIL)
    token = issued.url.rsplit("/", 1)[1]
    started = time.perf_counter()
    results = await asyncio.gather(*(links.redeem(token) for _ in range(concurrency)))
    took = time.perf_counter() - started
    wins = sum(1 for r in results if hasattr(r, "user_id"))
    print(f"{concurrency} concurrent redeems of one link: {wins} redeemed, "
          f"{concurrency - wins} USED, {took * 1000:.1f} ms in all")


async def purge(services, rows: int) -> None:
    now = services.clock()
    async with services.pg.acquire() as conn:
        await conn.execute(
            "INSERT INTO magic_links (id, token_hash, user_id, purpose, channel, sent_at, "
            "expires_at) SELECT gen_random_uuid(), md5(g::text) || md5(g::text), g, 'SIGN', "
            "'SMS', $1::timestamptz - make_interval(days => g % 90), "
            "$1::timestamptz - make_interval(days => g % 90) + interval '24 hours' "
            "FROM generate_series(1, $2) g", now, rows)
    started = time.perf_counter()
    deleted = await services.magic_links.purge_expired_links(now)
    print(f"purge of {rows:,} links (expired > 30 days: {deleted:,}) "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--purge-rows", type=int, default=200_000)
    args = parser.parse_args()
    configure_logging("WARNING")
    asyncio.run(run(args.users, args.concurrency, args.purge_rows))


if __name__ == "__main__":
    main()
