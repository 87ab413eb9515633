"""Twilio voice status callbacks through the in-process app against real PostgreSQL.

    .venv/bin/python bench/bench_webhooks.py --calls 1000 --history 100000 --concurrency 10

Each call gets Twilio's four status callbacks (initiated, ringing, in-progress, completed),
signed with RequestValidator, posted to /twilio/voice/status; then a retry of each
"completed" (the receipt makes it a no-op) and a late "ringing" (ignored: completed stays
completed). ``--history`` pre-fills the calls and receipts tables so lookups are not on
an empty table. Prints p50/p95/p99 per kind, and the whole run's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TOKEN = "0123456789abcdef" * 2
BASE = "https://dialler.example.com"
TWILIO = {"twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": TOKEN,
          "twilio_caller_id": "+441615550100", "twilio_twiml_app_sid": "AP" + "2" * 32,
          "public_base_url": BASE}
PATH = "/twilio/voice/status"


async def fill(services, calls: int, history: int) -> list[str]:
    """``history`` finished calls and receipts, and ``calls`` fresh ones; their sids."""
    async with services.pg.acquire() as conn:
        await conn.copy_records_to_table("calls", columns=[
            "id", "twilio_sid", "direction", "status", "user_id", "started_at", "talk_seconds",
            "updated_at"], records=[
            (uuid.uuid4(), f"CAold{i:030d}", "OUTBOUND", "COMPLETED", i % 5000,
             NOW - timedelta(minutes=i), 30, NOW) for i in range(history)])
        await conn.copy_records_to_table("webhook_receipts", columns=["key", "received_at"],
                                         records=[(f"sha:{uuid.uuid4().hex}", NOW)
                                                  for _ in range(history)])
        sids = [f"CA{uuid.uuid4().hex}" for _ in range(calls)]
        await conn.copy_records_to_table("calls", columns=[
            "id", "twilio_sid", "direction", "status", "user_id", "started_at", "talk_seconds",
            "updated_at"], records=[(uuid.uuid4(), s, "OUTBOUND", "QUEUED", n % 5000, NOW, 0,
                                     NOW) for n, s in enumerate(sids)])
        await conn.execute("ANALYZE calls; ANALYZE webhook_receipts")
    return sids


def form(parent: str, status: str, seconds: int, duration: int | None = None) -> dict:
    fields = {"AccountSid": TWILIO["twilio_account_sid"], "CallSid": "CB" + parent[2:],
              "ParentCallSid": parent, "CallStatus": status, "Direction": "outbound-dial",
              "To": "+447911123456", "From": TWILIO["twilio_caller_id"],
              "Timestamp": format_datetime(NOW + timedelta(seconds=seconds))}
    if duration is not None:
        fields["CallDuration"] = str(duration)
    return fields


async def post(http, validator, fields: dict, samples: list[float]) -> None:
    signature = validator.compute_signature(BASE + PATH, fields)
    started = time.perf_counter()
    response = await http.post(PATH, data=fields, headers={"X-Twilio-Signature": signature})
    samples.append(time.perf_counter() - started)
    assert response.status_code == 200, response.text


async def phase(http, validator, sids: list[str], make, concurrency: int) -> list[float]:
    samples: list[float] = []
    for start in range(0, len(sids), concurrency):
        await asyncio.gather(*(post(http, validator, make(s), samples)
                               for s in sids[start:start + concurrency]))
    return samples


async def main(calls: int, history: int, concurrency: int) -> None:
    configure_logging("WARNING", True)
    replica, dialler, ours = await databases(50)
    settings = settings_for(replica, dialler, **TWILIO)
    services = await bootstrap(settings)
    try:
        sids = await fill(services, calls, history)
        print(f"calls table: {history + calls} rows, receipts: {history}; {calls} calls x 6 "
              f"callbacks (4 + a retry + a late one), concurrency {concurrency}", flush=True)
        validator = RequestValidator(TOKEN)
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            kinds = [("initiated", lambda s: form(s, "initiated", 0)),
                     ("ringing", lambda s: form(s, "ringing", 2)),
                     ("in-progress", lambda s: form(s, "in-progress", 5)),
                     ("completed", lambda s: form(s, "completed", 65, 60)),
                     ("retried completed", lambda s: form(s, "completed", 65, 60)),
                     ("late ringing", lambda s: form(s, "ringing", 3))]
            everything, started = [], time.perf_counter()
            for name, make in kinds:
                samples = await phase(http, validator, sids, make, concurrency)
                everything += samples
                print(f"{name:>18}: {percentiles(samples)}", flush=True)
            elapsed = time.perf_counter() - started
        print(f"{'all callbacks':>18}: {percentiles(everything)}")
        print(f"throughput: {len(everything) / elapsed:.0f} callbacks/s")
        async with services.pg.acquire() as conn:
            done = await conn.fetchval("SELECT count(*) FROM calls WHERE status = 'COMPLETED' "
                                       "AND talk_seconds = 60")
        assert done == calls, f"{done} of {calls} calls completed"
    finally:
        prefix = services.settings.redis_key_prefix
        await services.close()
        await drop(replica, dialler, ours, prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.history, args.concurrency))
