"""SMS paths: inbound webhooks, conversation pages, and the follow-up sender's throughput.

    .venv/bin/python bench/bench_sms.py --users 20000 --inbound 500 --messages 5000 \
        --follow-ups 1000
Twilio is faked at its HTTP boundary (answering after --twilio-ms), so the figures are
our own cost: signature check, sender lookup by number, storing, publishing, and for follow-ups
the re-check (replica facts, last conversation) plus the hand-off bookkeeping.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from domain.agents.sessions import Principal  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from tests.integration.test_sms import FakeTwilioHttp, use_fake_twilio  # noqa: E402

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday morning: inside SMS hours
TOKEN, BASE = "bench-twilio-token", "https://dialler.example"
PAGE = ("query($u: ID!, $a: String) { conversation(userId: $u, first: 50, after: $a) "
        "{ pageInfo { hasNextPage endCursor } edges { node { id body status } } } }")


class Clock:
    now = NOW

    def __call__(self) -> datetime:
        return self.now


async def bench_inbound(http: httpx.AsyncClient, numbers: list[str], count: int) -> None:
    validator, samples = RequestValidator(TOKEN), []
    for n in range(count):
        form = {"From": random.choice(numbers), "To": "+441632960000", "Body": f"reply {n}",
                "MessageSid": f"SMbench{n:026d}"}
        signature = validator.compute_signature(BASE + "/twilio/sms/inbound", form)
        started = time.perf_counter()
        response = await http.post("/twilio/sms/inbound", data=form,
                                   headers={"X-Twilio-Signature": signature})
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    print(f"inbound webhook (signed, matched by number, stored, published): "
          f"{percentiles(samples)}")


async def bench_conversation(services, http: httpx.AsyncClient, user: int, count: int) -> None:
    await services.pg.executemany(
        "INSERT INTO sms_messages (user_id, direction, body, status, created_at, updated_at) "
        "VALUES ($1, 'OUTBOUND', $2, 'DELIVERED', $3, $3)",
        [(user, f"message {n}", NOW - timedelta(minutes=count - n)) for n in range(count)])
    agent = services.tokens.issue(Principal(await _agent(services), Role.AGENT)).token
    samples, after, pages = [], None, 0
    while pages < 100:
        started = time.perf_counter()
        body = (await http.post("/graphql", json={"query": PAGE, "variables": {
            "u": str(user), "a": after}}, headers={"Authorization": f"Bearer {agent}"})).json()
        samples.append(time.perf_counter() - started)
        page = body["data"]["conversation"]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    print(f"conversation page of 50 ({count} messages, {pages} pages): {percentiles(samples)}")


async def _agent(services):
    import uuid

    agent_id = uuid.uuid4()
    await services.pg.execute(
        "INSERT INTO agents (id, email, name, role, password_hash, status, is_active) VALUES "
        "($1, $2, 'Bench', 'AGENT', 'x', 'OFFLINE', true)", agent_id, f"{agent_id}@bench")
    return agent_id


async def bench_follow_ups(services, clock: Clock, users: list[int]) -> None:
    for user in users:
        await services.sms.follow_ups.schedule_review_request(user, NOW)
    clock.now = NOW + timedelta(days=1, hours=1)
    started, sent, batches = time.perf_counter(), 0, 0
    while True:
        report = await services.sms.follow_ups.send_due()
        batches += 1
        if not (report.sent or report.skipped or report.deferred):
            break
        sent += report.sent
    elapsed = time.perf_counter() - started
    print(f"follow-ups: {len(users)} due, {sent} sent in {elapsed:.2f} s "
          f"({sent / elapsed:.0f}/s, {batches} claims)")


async def main(args) -> None:
    configure_logging("WARNING", True)
    replica, dialler, ours = await databases(args.users)
    settings = settings_for(replica, dialler, twilio_account_sid="AC" + "b" * 32,
                            twilio_auth_token=TOKEN, twilio_caller_id="+441632960000",
                            public_base_url=BASE)
    clock = Clock()
    services = await bootstrap(settings, clock=clock)
    fake = FakeTwilioHttp(latency=args.twilio_ms / 1000)
    use_fake_twilio(services, fake)
    try:
        await services.queues.rebuild()  # validates every number once (user_phones)
        rows = await services.pg.fetch(
            "SELECT user_id, e164 FROM user_phones WHERE e164 IS NOT NULL")
        numbers = [r["e164"] for r in rows]
        print(f"{len(numbers)} users with a valid number")
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            await bench_inbound(http, numbers, args.inbound)
            await bench_conversation(services, http, rows[0]["user_id"], args.messages)
        await bench_follow_ups(services, clock,
                               [r["user_id"] for r in rows[1:args.follow_ups + 1]])
    finally:
        await services.close()
        await drop(replica, dialler, ours, settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--inbound", type=int, default=500)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--follow-ups", type=int, default=1_000)
    parser.add_argument("--twilio-ms", type=float, default=150.0,
                        help="how long the faked Twilio API takes to answer")
    asyncio.run(main(parser.parse_args()))
