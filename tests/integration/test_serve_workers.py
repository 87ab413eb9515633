"""`dialler serve --workers 2`: two real processes on one port, one set of timers.

Which process takes a connection is the kernel's choice, so the test opens subscriptions
until it has one on each process (each response names its process in X-Dialler-Process)
and then checks that what a mutation on one causes reaches the other.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import websockets

from cli.serve import worker_count
from domain.agents.sessions import Principal
from infrastructure.settings import Settings
from service_layer.timed import CALLBACKS
from tests import services as svc
from tests.conftest import TEST_SECRET
from tests.subscriptions import marker_at, publishing, queue_probe, until_subscribed
from tests.waiting import wait_until

pytestmark = pytest.mark.integration
DIALLER = str(Path(sys.executable).with_name("dialler"))
CONFIG_VARS = ("DATABASE_URL", "REPLICA_DATABASE_URL", "REDIS_URL", "JWT_SECRET",
               "SQS_QUEUE_URL", "AWS_ENDPOINT_URL", "REDIS_KEY_PREFIX")
UPDATES = ("subscription { queueUpdates { kind userId fromQueue toQueue reason } }")
NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } "
        "... on NoLeadAvailable { reason } } }")
DISPOSE = "mutation($i: DispositionInput!) { recordDisposition(input: $i) { __typename } }"
CALLBACK = ("mutation($u: ID!, $at: DateTime!) { scheduleCallback(userId: $u, at: $at) { "
            "__typename ... on CallbackRejected { message } } }")
PROCESS = "x-dialler-process"
SCAN_SECONDS = 1  # each process looks for callbacks falling due this often


def test_more_than_one_process_needs_postgresql_and_redis_outside_this_one():
    configured = {"database_url": "postgresql://u@db/dialler", "jwt_secret": TEST_SECRET}
    embedded = Settings(_env_file=None, database_url=None, redis_url=None)
    assert worker_count(embedded, 4) == 1
    assert worker_count(Settings(_env_file=None, redis_url=None, **configured), 4) == 1
    with_redis = Settings(_env_file=None, redis_url="redis://r:6379/0", **configured)
    assert worker_count(with_redis, 3) == 3
    assert worker_count(with_redis, None) == (os.cpu_count() or 1)


@pytest.fixture
async def deployment(tmp_path):
    """Throwaway databases, migrated, with two queued users; the test's own wiring."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.replica.database import ReplicaDatabase
    from infrastructure.replica.ddl import create_replica_tables
    from tests.replica_rows import ReplicaRows

    pg = await svc.create_migrated_postgres_database("serve_workers")
    replica = await svc.create_mysql_database("serve_workers_replica")
    writer = await ReplicaDatabase.open(replica, read_only=False)
    services = None
    try:
        await create_replica_tables(writer)
        rows = ReplicaRows(writer)
        users = [await rows.user(signature=None) for _ in range(2)]
        for user in users:
            await rows.claim(user)
        env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS} | {
            "DATABASE_URL": pg.plain_url, "REPLICA_DATABASE_URL": replica.plain_url,
            "REDIS_URL": svc.REDIS_URL, "JWT_SECRET": TEST_SECRET,
            "REDIS_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}:", "LOG_JSON": "false",
            # Open every minute of every day: the test may run at any hour.
            "CALLING_HOURS": "00:00-23:59", "CALLING_DAYS": "[0,1,2,3,4,5,6]",
            "CALLING_SKIPS_BANK_HOLIDAYS": "false", "ENABLE_CDC_SYNC": "false",
            "CALLBACK_SCAN_SECONDS": str(SCAN_SECONDS), "DIALLER_DATA_DIR": str(tmp_path / "data")}
        services = await bootstrap(Settings(
            _env_file=None, database_url=pg.plain_url, replica_database_url=replica.plain_url,
            redis_url=svc.REDIS_URL, jwt_secret=TEST_SECRET, log_json=False,
            redis_key_prefix=env["REDIS_KEY_PREFIX"]))
        yield env, services, users
    finally:
        if services:
            await services.close()
            await svc.delete_redis_keys(services.settings.redis_key_prefix)
        await writer.close()
        await svc.drop_mysql_database(replica)
        await svc.drop_postgres_database(pg)


async def _ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    async def ready():
        assert proc.poll() is None, _tail(log)
        try:
            async with httpx.AsyncClient() as http:
                return (await http.get(url + "/ready", timeout=2)).status_code == 200
        except httpx.HTTPError:
            return False

    await wait_until(ready, "dialler serve --workers 2 ready", timeout=120, interval=0.2)


async def _post(url: str, query: str, token: str, variables=None) -> tuple[str, dict]:
    """On a connection of its own, so any process may take it; (its process, the body)."""
    async with httpx.AsyncClient() as http:
        response = await http.post(url + "/graphql", headers={"Authorization": f"Bearer {token}"},
                                   json={"query": query, "variables": variables or {}},
                                   timeout=30)
    body = response.json()
    assert "errors" not in body, body
    return response.headers[PROCESS], body["data"]


async def _subscriber(address: str, token: str):
    ws = await websockets.connect(f"ws://{address}/graphql",
                                  subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init",
                              "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": UPDATES}}))
    return ws.response.headers[PROCESS], ws


async def _answered_by(address: str) -> str:
    """One request on a new connection (plain asyncio: cheap enough for a burst)."""
    host, port = address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /health HTTP/1.1\r\nHost: dialler\r\nConnection: close\r\n\r\n")
    head = (await reader.read()).decode().split("\r\n\r\n")[0]
    writer.close()
    await writer.wait_closed()
    return next(line.split(":", 1)[1].strip() for line in head.split("\r\n")
                if line.lower().startswith(PROCESS + ":"))


async def _health_requests(url: str) -> tuple[str, float]:
    """(the process that answered, the /health requests its /metrics counts)."""
    async with httpx.AsyncClient() as http:
        response = await http.get(url + "/metrics", timeout=10)
    count = sum(float(line.rsplit(" ", 1)[1]) for line in response.text.splitlines()
                if line.startswith("dialler_http_requests_total{") and 'route="/health"' in line)
    return response.headers[PROCESS], count


async def _one_per_process(address: str, token: str) -> dict:
    """Subscriptions until one sits on each of the two processes (the kernel picks)."""
    found: dict = {}
    for _ in range(10):
        for served_by, ws in await asyncio.gather(*(_subscriber(address, token)
                                                    for _ in range(16))):
            if served_by in found:
                await ws.close()
            else:
                found[served_by] = ws
        if len(found) == 2:
            return found
    raise AssertionError(f"every connection went to {set(found)}")


async def _next_update(ws, wanted, within: float = 60) -> dict:
    deadline = time.monotonic() + within
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        update = message["payload"]["data"]["queueUpdates"]
        if wanted(update):
            return update


async def _all_listening(services, subscribers: dict) -> None:
    """Probes published from here until every subscription has one: each is live."""
    await until_subscribed(list(subscribers.values()), publishing(services.events, queue_probe),
                           marker_at("queueUpdates", "reason"))


async def test_two_processes_share_events_and_run_the_timers_once(deployment, tmp_path):
    env, services, users = deployment
    port, log = svc.free_port(), tmp_path / "serve.log"
    url, address = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
    proc = _start(env, port, tmp_path, log)
    subscribers: dict = {}
    try:
        await _ready(url, proc, log)
        token = await _agent_token(services)
        await wait_until(lambda: _queued(services, users), "the start-up rescore queued the users",
                         timeout=60, interval=0.2)
        subscribers = await _one_per_process(address, token)
        await _all_listening(services, subscribers)

        # A burst of new connections is shared out: one shared socket gave the first
        # process to wake nearly all of them. 64 by address hash: under 16 is a 1e-4 chance.
        burst = await asyncio.gather(*(_answered_by(address) for _ in range(64)))
        shares = {process: burst.count(process) for process in subscribers}
        assert sum(shares.values()) == 64 and min(shares.values()) >= 16, shares

        # Counters are every process's, whichever process a scrape reaches.
        scraped: dict[str, set[float]] = {}
        for _ in range(40):
            served_by, health = await _health_requests(url)
            scraped.setdefault(served_by, set()).add(health)
            if len(scraped) == 2:
                break
        assert scraped == {process: {64.0} for process in subscribers}, scraped

        # A second server on the taken port is refused, not joined to the first.
        second = await asyncio.create_subprocess_exec(
            DIALLER, "serve", "--port", str(port), "--workers", "2", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        said = (await asyncio.wait_for(second.communicate(), 60))[0].decode()
        assert second.returncode != 0 and "cannot listen" in said, said

        # A disposition recorded on one process reaches the subscriber on the other.
        _, lead = await _post(url, NEXT, token)
        assert lead["nextLead"]["__typename"] == "LeadAssigned", lead
        assignment = lead["nextLead"]["assignment"]
        served_by, _ = await _post(url, DISPOSE, token, {"i": {
            "assignmentId": assignment["id"], "outcome": "NO_ANSWER"}})
        (elsewhere,) = set(subscribers) - {served_by}
        update = await _next_update(subscribers[elsewhere], lambda u: u["reason"].startswith(
            "disposition"))
        assert update["userId"] == assignment["user"]["id"]

        # A callback falling due is moved once, by one process's timer.
        other = next(u for u in users if str(u) != assignment["user"]["id"])
        due_at = datetime.now(UTC) + timedelta(seconds=2)
        _, booked = await _post(url, CALLBACK, token, {"u": str(other),
                                                        "at": due_at.isoformat()})
        assert booked["scheduleCallback"]["__typename"] == "CallbackScheduled", booked
        for ws in subscribers.values():
            moved = await _next_update(ws, lambda u: u["userId"] == str(other)
                                       and u["toQueue"] == "CALLBACK")
            assert moved["reason"] == "callback due"

        async def scanned_past_it():  # at least one more scan after the one that moved it
            mark = await services.timers.schedule.last(CALLBACKS)
            return mark is not None and mark > due_at + timedelta(seconds=3 * SCAN_SECONDS)

        await wait_until(scanned_past_it, "the callback scan moved on", timeout=60, interval=0.2)
        assert await services.pg.fetchval(
            "SELECT count(*) FROM queue_events WHERE user_id = $1 AND reason = 'callback due'",
            other) == 1
    finally:
        for ws in subscribers.values():
            await ws.close()
        _stop(proc)
    assert proc.returncode == 0, _tail(log)
    # Each process closed its services in its lifespan; none outlived the supervisor.
    assert _tail(log, None).count("Application shutdown complete") == 2, _tail(log)
    assert not any(_alive(served_by) for served_by in subscribers)


def _start(env: dict, port: int, cwd: Path, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen([DIALLER, "serve", "--port", str(port), "--workers", "2"],
                                cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(log: Path, chars: int | None = 3000) -> str:
    text = log.read_text()
    return text[-chars:] if chars else text


def _alive(served_by: str) -> bool:
    return Path(f"/proc/{served_by.rsplit(':', 1)[1]}").exists()


async def _agent_token(services) -> str:
    """A supervisor's: they take leads too, and book callbacks with any user."""
    from service_layer.agents import create_agent

    agent = await create_agent(services.uow(), services.hasher,
                               policy=services.password_policy,
                               email=f"workers-{uuid.uuid4().hex[:8]}@example.com",
                               password="correct horse battery", name="Workers Test",
                               role="SUPERVISOR", at=datetime.now(UTC))
    return services.tokens.issue(Principal(agent.id, agent.role)).token


async def _queued(services, users) -> bool:
    return await services.pg.fetchval(
        "SELECT count(*) FROM queue_entries WHERE user_id = ANY($1::bigint[])", users) == 2
