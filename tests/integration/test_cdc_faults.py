"""The worker under faults: Redis down mid-batch, killed mid-batch, SIGTERM; end to end."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import uvicorn
import websockets

from domain.queue.model import QueueChanged
from graphql_api.app import create_app
from sync_worker.consumer import Consumer
from sync_worker.worker import run_worker
from tests.cdc_env import drain, signed_update, sqs_queue
from tests.integration.test_leads import Api
from tests.queue_env import queue_env, queue_of
from tests.services import free_port
from tests.subscriptions import marker_at, publishing, queue_probe, until_subscribed
from tests.waiting import wait_until, wait_until_sync

pytestmark = pytest.mark.integration
STAMP, COMMITTED = "2026-11-24 09:59:00", "2026-11-24T09:59:00.200000Z"
DIALLER = str(Path(sys.executable).with_name("dialler"))
UPDATES = ("subscription QueueUpdates($type: QueueType) { queueUpdates(type: $type) "
           "{ kind userId fromQueue toQueue reason } }")


async def _unsigned_users(rows, services, count: int, sign: bool = True) -> list[int]:
    users = []
    for _ in range(count):
        user = await rows.user(signature=None)
        await rows.requirement(await rows.claim(user))
        users.append(user)
    await services.queues.recompute(users, "test setup")
    if sign:
        await rows.db.execute(
            "UPDATE users SET current_signature_file_id = 1, updated_at = %s WHERE id IN "
            f"({', '.join(['%s'] * len(users))})", (STAMP, *users))
    return users


class ThrowawayRedis:
    """A redis-server of our own on a free port, stopped and started by the test."""

    def __init__(self, directory: Path):
        self.port, self.dir, self.proc = free_port(), directory, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.dir), "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_sync(self._answers, "throwaway redis started", timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    async def stop(self) -> None:
        client = aioredis.Redis.from_url(self.url)
        await client.save()  # the cached key must survive the outage
        await client.aclose()
        self.proc.terminate()
        self.proc.wait(10)


async def test_redis_down_during_a_batch_delays_events_and_invalidations(tmp_path,
                                                                         moto_endpoint):
    redis_server = ThrowawayRedis(tmp_path)
    redis_server.start()
    try:
        async with queue_env(redis_url=redis_server.url, replica_schema_name="rmc") as env, \
                sqs_queue(moto_endpoint) as queue:
            services, rows, _ = env
            [user] = await _unsigned_users(rows, services, 1)
            client = aioredis.Redis.from_url(redis_server.url)
            cached_key = f"{services.settings.redis_key_prefix}ctx:v1:{user}"
            await client.set(cached_key, b"stale context")
            await client.aclose()
            async with services.events.listen_wire(QueueChanged) as events:
                assert await services.events.wait_connected()
                await redis_server.stop()
                await queue.send(signed_update(user, STAMP, COMMITTED))
                consumer = Consumer(queue, services.changes, services.sync_store, pollers=1)
                await drain(consumer, queue)
                # Committed and acknowledged although Redis is down: PostgreSQL holds the truth.
                assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"
                assert not await queue.receive(10, 0)
                redis_server.start()

                async def flushed() -> bool:  # what the worker does every few seconds
                    return (await services.events.flush_undelivered()
                            and await services.user_context_cache.flush_pending())

                await wait_until(flushed, timeout=10)  # after the client's short cool-down
                assert await services.events.wait_connected(10)
                payload = json.loads(await asyncio.wait_for(anext(aiter(events)), 10))
            client = aioredis.Redis.from_url(redis_server.url)
            assert await client.get(cached_key) is None
            await client.aclose()
        assert (payload["user_id"], payload["to_queue"]) == (user, "OUTSTANDING_REQUESTS")
    finally:
        if redis_server.proc and redis_server.proc.poll() is None:
            redis_server.proc.terminate()
            redis_server.proc.wait(10)


def _worker_env(services, queue_url: str, endpoint: str) -> dict:
    s = services.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"DATABASE_URL": s.database_url, "REPLICA_DATABASE_URL": s.replica_database_url,
            "REDIS_URL": s.redis_url, "JWT_SECRET": s.jwt_secret.get_secret_value(),
            "SQS_QUEUE_URL": queue_url, "AWS_ENDPOINT_URL": endpoint,
            "REPLICA_SCHEMA_NAME": "rmc", "REDIS_KEY_PREFIX": s.redis_key_prefix,
            "ENABLE_BATCH_SYNC": "false", "ENABLE_CACHE_WARMING": "false",
            "WORKER_METRICS_PORT": str(free_port()), "SQS_WAIT_SECONDS": "1"}
    return env


async def _worker_under_way(services, rows, queue, endpoint: str, count: int
                            ) -> tuple[list[int], subprocess.Popen]:
    """``count`` signed users' records on the queue and `dialler worker` applying them."""
    users = await _unsigned_users(rows, services, count)
    await _send_many(queue, [signed_update(u, STAMP, COMMITTED) for u in users])
    proc = subprocess.Popen([DIALLER, "worker"], env=_worker_env(  # noqa: ASYNC220
        services, queue.address.url, endpoint), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)

    async def some_applied() -> bool:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        return bool(await services.pg.fetchval("SELECT count(*) FROM cdc_seen"))

    await wait_until(some_applied, timeout=60)
    return users, proc


async def _send_many(queue, bodies: list[str]) -> None:
    for start in range(0, len(bodies), 10):
        await queue.client.send_message_batch(
            QueueUrl=queue.address.url,
            Entries=[{"Id": str(i), "MessageBody": b}
                     for i, b in enumerate(bodies[start:start + 10])])


async def test_a_worker_killed_mid_batch_loses_nothing(moto_endpoint):
    async with queue_env(replica_schema_name="rmc") as env, \
            sqs_queue(moto_endpoint, visibility=2, max_receives=10) as queue:
        services, rows, _ = env
        users, proc = await _worker_under_way(services, rows, queue, moto_endpoint, 400)
        proc.kill()  # SIGKILL: no chance to finish anything
        proc.wait(10)
        done = await services.pg.fetchval("SELECT count(*) FROM cdc_seen")
        assert 0 < done < len(users), "the kill should land mid-way"
        await asyncio.sleep(2.2)  # what the dead worker held becomes visible again
        await drain(Consumer(queue, services.changes, services.sync_store), queue,
                    empty_polls=3)
        assert await services.queues.compare(users) == []
        placed = await services.pg.fetch(
            "SELECT DISTINCT queue_type FROM queue_entries WHERE user_id = ANY($1)", users)
        assert [r["queue_type"] for r in placed] == ["OUTSTANDING_REQUESTS"]


async def test_sigterm_finishes_the_batch_in_hand_and_stops(moto_endpoint):
    async with queue_env(replica_schema_name="rmc") as env, \
            sqs_queue(moto_endpoint, visibility=30) as queue:
        services, rows, _ = env
        users, proc = await _worker_under_way(services, rows, queue, moto_endpoint, 200)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, proc.stderr.read().decode()[-2000:]
        applied = await services.pg.fetchval("SELECT count(*) FROM cdc_seen")
        # Whatever it applied it also deleted: with a 30 s visibility timeout nothing it held
        # could come back before this drain, so what is left is exactly what it never took.
        left = await drain(Consumer(queue, services.changes, services.sync_store), queue)
        assert applied + sum(o.counts.get("applied", 0) for o in left) == len(users)
        assert await services.queues.compare(users) == []


async def test_a_cdc_message_reaches_a_queue_updates_subscriber(moto_endpoint):
    async with queue_env(replica_schema_name="rmc") as env, sqs_queue(moto_endpoint) as queue:
        services, rows, _ = env
        [user] = await _unsigned_users(rows, services, 1)
        api = Api(services)
        _, token = await api.agent()
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1",
                                               port=port, log_config=None, lifespan="off"))
        stop = asyncio.Event()
        tasks = [asyncio.create_task(server.serve()),
                 asyncio.create_task(run_worker(services, stop, address=queue.address,
                                                cdc=True, scheduled=False))]
        try:
            await wait_until(lambda: server.started, "the server started")  # its only signal
            async with websockets.connect(f"ws://127.0.0.1:{port}/graphql",
                                          subprotocols=["graphql-transport-ws"]) as ws:
                await ws.send(json.dumps({"type": "connection_init",
                                          "payload": {"Authorization": f"Bearer {token}"}}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                    "query": UPDATES, "variables": {"type": None}}}))
                assert await services.events.wait_connected()
                await until_subscribed(ws, publishing(services.events, queue_probe),
                                       marker_at("queueUpdates", "reason"))
                await queue.send(signed_update(user, STAMP, COMMITTED))
                message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        finally:
            stop.set()
            server.should_exit = True
            await asyncio.gather(*tasks)
            await api.http.aclose()
    update = message["payload"]["data"]["queueUpdates"]
    assert (update["kind"], update["userId"], update["fromQueue"], update["toQueue"],
            update["reason"]) == ("MOVED", str(user), "UNSIGNED", "OUTSTANDING_REQUESTS", "cdc")
