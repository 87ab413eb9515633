"""The wallboard and GraphiQL in headless Chromium with no internet: page weight, first
load, and the time from a queue event to the figure changing on screen.

    .venv/bin/python bench/bench_wallboard.py --events 50

A dialler of its own (throwaway replica and dialler databases, tests/queue_env.py) under a
real uvicorn server on loopback; Debian's chromium through Playwright, every request
beyond that server refused. Each event is a user put into UNSIGNED by a recompute (what a
CDC change does); its time runs from just before the recompute to the moment the page
wrote the new depth (the page's own clock: the same machine's). Prints the sizes, p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentiles  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from service_layer.agents import create_agent  # noqa: E402
from tests.browser import browser_page  # noqa: E402
from tests.live_server import live_server  # noqa: E402
from tests.queue_env import NOW, queue_env  # noqa: E402

PASSWORD = "a long enough password"


async def _weigh(page, url: str, ready: str) -> tuple[int, int, float]:
    """(bytes, requests, seconds to ``ready``) of a first load with an empty cache."""
    sizes: list[int] = []

    async def count(response) -> None:
        try:
            sizes.append(len(await response.body()))
        except Exception:  # noqa: BLE001 - a redirect or aborted request has no body
            sizes.append(0)

    page.on("response", count)
    began = time.perf_counter()
    await page.goto(url)
    await page.wait_for_selector(ready, timeout=30_000)
    took = time.perf_counter() - began
    await page.wait_for_load_state("networkidle")
    page.remove_listener("response", count)
    return sum(sizes), len(sizes), took


async def _user(services, rows) -> None:
    user = await rows.user(signature=None, phone_number="07912 345123")
    await rows.claim(user)
    await services.queues.recompute([user], "wallboard bench")


async def main(args: argparse.Namespace) -> None:
    async with queue_env(graphiql=True) as (services, rows, clock):
        clock.now = NOW
        email = f"{uuid.uuid4().hex[:8]}@bench.local"
        await create_agent(services.uow(), services.hasher, policy=services.password_policy,
                           email=email, password=PASSWORD, name="Bench Supervisor",
                           role="SUPERVISOR", at=NOW)
        async with live_server(services, app=create_app(services)) as address, \
                browser_page(f"http://{address}") as (page, offline):
            base = f"http://{address}"
            weight, requests, first = await _weigh(page, f"{base}/wallboard", "#login button")
            print(f"wallboard page: {weight / 1024:.1f} KiB in {requests} requests; "
                  f"login form shown {first * 1000:.0f} ms after the request (no internet)")
            await page.fill("#email", email)
            await page.fill("#password", PASSWORD)
            began = time.perf_counter()
            await page.click("#login button")
            await page.wait_for_selector('[data-queue="UNSIGNED"] .size')
            await page.wait_for_selector(".connection.live")
            print(f"login to figures and a live socket: {(time.perf_counter() - began) * 1000:.0f}"
                  " ms")
            latencies = []
            for _ in range(args.events):
                seen = await page.evaluate("window.wallboard.changes.length")
                sent = time.time()
                await _user(services, rows)
                await page.wait_for_function(f"window.wallboard.changes.length > {seen}")
                changed = await page.evaluate(f"window.wallboard.changes[{seen}].at")
                latencies.append(changed / 1000 - sent)
                await asyncio.sleep(args.gap)
            print(f"queue event to figure on screen, {args.events} events: "
                  f"{percentiles(latencies)}")
            weight, requests, first = await _weigh(page, f"{base}/graphql",
                                                   ".graphiql-execute-button")
            print(f"GraphiQL page: {weight / 1024:.1f} KiB in {requests} requests; editor "
                  f"ready {first * 1000:.0f} ms after the request (no internet)")
            print(f"requests refused (beyond the server): {offline.refused or 'none'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between events")
    asyncio.run(main(parser.parse_args()))
