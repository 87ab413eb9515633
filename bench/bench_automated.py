"""Automated agents' throughput: texts a minute, and our CPU per text, on a seeded queue.

    .venv/bin/python bench/bench_automated.py --users 20000 --agents 2 --texts 1000
Twilio is faked at its HTTP boundary (answering after --twilio-ms). Each text is a lease,
two rate-limit checks, a magic link, the SMS send (contact checks, stored masked, handed to
Twilio) and the lease's end with its queue update. The SMS rate limits are raised for the
run (by default an agent may send 20 a minute, which would be the figure instead).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from service_layer.agents import create_automated_agent  # noqa: E402
from tests.integration.test_sms import FakeTwilioHttp, use_fake_twilio  # noqa: E402

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday morning: inside SMS hours
LIMITS = {f"rate_{kind}_per_{who}_per_{span}": 1_000_000 for kind in ("sms", "links")
          for who in ("agent", "user") for span in ("minute", "day")}


async def main(args) -> None:
    configure_logging("WARNING", True)
    replica, dialler, ours = await databases(args.users)
    settings = settings_for(replica, dialler, twilio_account_sid="AC" + "b" * 32,
                            twilio_auth_token="bench-twilio-token",
                            twilio_caller_id="+441632960000",
                            public_base_url="https://dialler.example",
                            magic_link_rate_per_hour=100, **LIMITS)
    services = await bootstrap(settings, clock=lambda: NOW)
    use_fake_twilio(services, FakeTwilioHttp(latency=args.twilio_ms / 1000))
    try:
        await services.queues.rebuild()
        queued = await services.pg.fetchval(
            "SELECT count(*) FROM queue_entries WHERE queue_type = 'UNSIGNED'")
        for n in range(args.agents):
            email = f"ai{n}-{uuid.uuid4().hex[:6]}@bench.local"
            await create_automated_agent(services.uow(), email=email, name=f"AI {n}",
                                         texts_per_hour=3600, available=True, at=NOW)
        automated = services.automated_agents
        automated.policy = dataclasses.replace(automated.policy, share_percent=100,
                                               batch=args.batch)
        print(f"{args.users} users, {queued} in UNSIGNED; {args.agents} automated agent(s), "
              f"batch {args.batch}, Twilio answering in {args.twilio_ms:.0f} ms")
        turns, texted = [], 0
        pg, mysql = services.pg_statements.count, services.replica.db.statements
        wall, cpu = time.perf_counter(), time.process_time()
        while texted < args.texts:
            started = time.perf_counter()
            report = await automated.tick()
            turns.append((time.perf_counter() - started) / max(1, report.texted))
            texted += report.texted
            if not report.texted:
                break
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"texted {texted} in {wall:.2f} s: {texted / wall * 60:.0f} texts a minute "
              f"({texted / wall * 60 / args.agents:.0f} per agent), "
              f"CPU {cpu / texted * 1000:.2f} ms per text")
        print(f"wall time per text, by turn: {percentiles(turns)}")
        print(f"statements per text: PostgreSQL "
              f"{(services.pg_statements.count - pg) / texted:.1f}, replica "
              f"{(services.replica.db.statements - mysql) / texted:.1f}")
        await services.pg.execute("UPDATE agents SET texts_per_hour = 0 WHERE automated")
        pg = services.pg_statements.count
        await automated.tick()
        print(f"a turn with every cap spent: {services.pg_statements.count - pg} statements")
    finally:
        await services.close()
        await drop(replica, dialler, ours, settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--agents", type=int, default=2)
    parser.add_argument("--texts", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--twilio-ms", type=float, default=150.0,
                        help="how long the faked Twilio API takes to answer")
    asyncio.run(main(parser.parse_args()))
