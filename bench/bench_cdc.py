"""CDC end to end: SQS message sent -> queue event received by a Redis subscriber.

    .venv/bin/python bench/bench_cdc.py --users 50000 [--rates 50,200,1000] [--seconds 10]

Seeds a throwaway MariaDB replica, builds the queue, starts moto's SQS server in its own
process and the worker in this one (its pollers, batches of 10). For each rate it signs
distinct UNSIGNED users in the replica and sends the matching DMS record, and times each from
just before the send to the QueueChanged event reaching a subscriber on Redis pub/sub (a
second connection, as an API process has). Then the highest sustained rate (a backlog of
messages drained), and reconciliation at this size. Prints the figures, drops what it made.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis.asyncio as aioredis  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.embedded_sqs import create_queues  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from infrastructure.replica.database import ReplicaDatabase  # noqa: E402
from service_layer.cdc import Incoming  # noqa: E402
from sync_worker.jobs import run_job  # noqa: E402
from sync_worker.sqs import QueueAddress, SqsQueue  # noqa: E402
from sync_worker.worker import run_worker  # noqa: E402
from tests import services as svc  # noqa: E402
from tests.cdc_env import signed_update  # noqa: E402


def start_moto() -> tuple[subprocess.Popen, str]:
    port = svc.free_port()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-p",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            create_queues(endpoint, "probe", "probe-dlq", 5)
            return proc, endpoint
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    raise RuntimeError("moto_server did not start")


class Listener:
    """Subscribes to QueueChanged and notes when each user's event arrived."""

    def __init__(self, prefix: str):
        self.channel = f"{prefix}events:QueueChanged"
        self.arrived: dict[int, float] = {}

    async def run(self, ready: asyncio.Event) -> None:
        client = aioredis.Redis.from_url(svc.REDIS_URL)
        pubsub = client.pubsub()
        await pubsub.subscribe(self.channel)
        ready.set()
        try:
            async for message in pubsub.listen():
                if message["type"] == "message":
                    user = json.loads(message["data"])["user_id"]
                    self.arrived.setdefault(user, time.perf_counter())
        finally:
            await pubsub.aclose()
            await client.aclose()


async def wait_for_events(listener: Listener, users: list[int], limit_s: float) -> None:
    deadline = time.perf_counter() + limit_s
    pending = set(users)
    while pending and time.perf_counter() < deadline:
        pending -= listener.arrived.keys()
        await asyncio.sleep(0.05)  # noqa: ASYNC110 - polled: the listener has no per-user event


async def sign_and_send(writer, queue: SqsQueue, users: list[int], sent: dict) -> None:
    stamp = "2026-11-24 09:59:00"
    await writer.execute("UPDATE users SET current_signature_file_id = 1, updated_at = %s "
                         f"WHERE id IN ({', '.join(['%s'] * len(users))})", (stamp, *users))
    bodies = [(u, signed_update(u, stamp, "2026-11-24T09:59:00Z")) for u in users]
    for start in range(0, len(bodies), 10):
        chunk = bodies[start:start + 10]
        now = time.perf_counter()
        for user, _ in chunk:
            sent[user] = now
        await queue.client.send_message_batch(
            QueueUrl=queue.address.url,
            Entries=[{"Id": str(i), "MessageBody": b} for i, (_, b) in enumerate(chunk)])


async def at_rate(rate: int, seconds: float, pool: list[int], writer, queue, listener) -> None:
    sent: dict[int, float] = {}
    tick = 0.05 if rate <= 200 else 0.02
    started, users = time.perf_counter(), []
    for n in range(int(seconds / tick)):
        # Whole changes per tick that add up to the rate (50/s at 20 ticks/s: 2, 3, 2, 3, ...).
        batch = [pool.pop() for _ in range(round(rate * tick * (n + 1)) - len(users))]
        users += batch
        if batch:
            await sign_and_send(writer, queue, batch, sent)
        await asyncio.sleep(max(0.0, started + (n + 1) * tick - time.perf_counter()))
    achieved = len(users) / (time.perf_counter() - started)
    await wait_for_events(listener, users, 60)
    lat = [listener.arrived[u] - sent[u] for u in users if u in listener.arrived]
    print(f"rate {rate}/s (sent {achieved:.0f}/s for {seconds:.0f} s): "
          f"{percentiles(lat)}; missing {len(users) - len(lat)}", flush=True)


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users, replica_url=args.replica_url)
    settings = settings_for(replica, dialler, replica_schema_name="rmc",
                            sqs_pollers=args.pollers, sqs_wait_seconds=1)
    services = await bootstrap(settings)
    moto, endpoint = start_moto()
    writer = await ReplicaDatabase.open(replica, read_only=False)
    stop = asyncio.Event()
    tasks = []
    try:
        started = time.perf_counter()
        await services.queues.rebuild()
        print(f"users={args.users} first build {time.perf_counter() - started:.2f} s",
              flush=True)
        pool = [r["user_id"] for r in await services.pg.fetch(
            "SELECT user_id FROM queue_entries WHERE queue_type = 'UNSIGNED' ORDER BY user_id")]
        print(f"{len(pool)} UNSIGNED users to sign", flush=True)
        url = create_queues(endpoint, "bench-cdc", "bench-cdc-dlq", 5)
        address = QueueAddress(url, endpoint, "eu-west-2")
        listener, ready = Listener(settings.redis_key_prefix), asyncio.Event()
        tasks.append(asyncio.create_task(listener.run(ready)))
        await ready.wait()
        async with SqsQueue(address) as queue:
            tasks.append(asyncio.create_task(run_worker(services, stop, address=address,
                                                        cdc=True, scheduled=False)))
            await asyncio.sleep(1.0)
            for rate in args.rates:
                await at_rate(rate, args.seconds, pool, writer, queue, listener)
            await sustained(args.backlog, pool, writer, queue, listener)
        await applier_only(services, args.backlog, pool, writer, args.pollers)
        stop.set()
        await asyncio.gather(*tasks[1:])
        tasks[0].cancel()
        for n in range(args.reconcile_runs):
            started = time.perf_counter()
            result = await run_job(services, "reconcile", force=True)
            print(f"reconcile run {n + 1} at {args.users} users: "
                  f"{time.perf_counter() - started:.2f} s, drift {result.drift}", flush=True)
    finally:
        stop.set()
        moto.terminate()
        await writer.close()
        await services.close()
        await drop(replica, dialler, ours, settings.redis_key_prefix)


async def applier_only(services, count: int, pool: list[int], writer, pollers: int) -> None:
    """The worker's own capacity: batches of 10 applied by ``pollers`` tasks, no SQS."""
    users = [pool.pop() for _ in range(min(count, len(pool)))]
    stamp = "2026-11-24 09:59:00"
    for start in range(0, len(users), 1000):
        chunk = users[start:start + 1000]
        await writer.execute("UPDATE users SET current_signature_file_id = 1, updated_at = %s "
                             f"WHERE id IN ({', '.join(['%s'] * len(chunk))})", (stamp, *chunk))
    messages = [Incoming(str(u), str(u), signed_update(u, stamp, "2026-11-24T09:59:00Z"))
                for u in users]
    batches = [messages[i:i + 10] for i in range(0, len(messages), 10)]
    durations: list[float] = []

    async def poller() -> None:
        while batches:
            batch = batches.pop()
            started = time.perf_counter()
            await services.changes.apply(batch)
            durations.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(poller() for _ in range(pollers)))
    took = time.perf_counter() - started
    print(f"worker without SQS ({pollers} pollers, batches of 10): {len(users)} changes in "
          f"{took:.2f} s = {len(users) / took:.0f} changes/s; batch {percentiles(durations)}",
          flush=True)


async def sustained(backlog: int, pool: list[int], writer, queue, listener) -> None:
    """A backlog sent while the worker is busy, then timed until its last event arrives."""
    users = [pool.pop() for _ in range(min(backlog, len(pool)))]
    sent: dict[int, float] = {}
    for start in range(0, len(users), 500):
        await sign_and_send(writer, queue, users[start:start + 500], sent)
    first = min(sent.values())
    await wait_for_events(listener, users, 300)
    done = max(listener.arrived.get(u, 0.0) for u in users)
    print(f"sustained: {len(users)} changes applied in {done - first:.2f} s = "
          f"{len(users) / (done - first):.0f} changes/s (sending included)", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--rates", type=lambda v: [int(x) for x in v.split(",")],
                        default=[50, 200, 1000])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--pollers", type=int, default=2)
    parser.add_argument("--reconcile-runs", type=int, default=2)
    parser.add_argument("--replica-url")
    asyncio.run(main(parser.parse_args()))
