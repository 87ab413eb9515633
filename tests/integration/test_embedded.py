"""The embedded default: PostgreSQL from the wheel, the local JWT secret, in-process Redis."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from infrastructure.embedded import (
    STATE_FILE,
    EmbeddedPostgres,
    embedded_jwt_secret,
    embedded_redis,
)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
JOIN_SCRIPT = """
import sys, time
from infrastructure.embedded import EmbeddedPostgres
server = EmbeddedPostgres(sys.argv[1])
server.start_sync()
print(server.port, server.started_here, flush=True)
time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def servers(data_dir):
    """Makes EmbeddedPostgres handles on the test's data dir; leaves them all at the end."""
    made: list[EmbeddedPostgres] = []

    def make() -> EmbeddedPostgres:
        made.append(EmbeddedPostgres(data_dir))
        return made[-1]

    yield make
    for server in reversed(made):
        server.stop_sync()


async def _fetch(address, query: str):
    conn = await asyncpg.connect(address.plain_url, timeout=10)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def _reachable(address) -> bool:
    try:
        await _fetch(address, "SELECT 1")
    except (OSError, asyncpg.PostgresError):
        return False
    return True


async def _next_message(pubsub) -> dict:
    """The next published message (get_message returns None for the subscribe reply)."""
    async with asyncio.timeout(2):
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message is not None:
                return message


def _run_join_script(data_dir: Path, linger: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", JOIN_SCRIPT, str(data_dir), str(linger)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def test_start_makes_a_loopback_server_and_databases_idempotently(servers, data_dir):
    server = servers()
    address = await server.start()
    assert (address.host, address.user, address.database) == ("127.0.0.1", "postgres", "postgres")
    assert server.started_here and (data_dir / "postgres" / "PG_VERSION").exists()
    state = json.loads((data_dir / STATE_FILE).read_text())
    assert state["port"] == address.port and state["clients"][0]["pid"] == os.getpid()

    first = await server.ensure_database("dialler")
    again = await server.ensure_database("dialler")
    replica = await server.ensure_database("dialler_demo_replica")
    assert first.plain_url == again.plain_url and first.database == "dialler"
    assert await _fetch(first, "SELECT current_database()") == "dialler"
    assert await _fetch(replica, "SELECT current_database()") == "dialler_demo_replica"
    assert (await _fetch(first, "SHOW server_version")).startswith("18")


async def test_other_handles_and_processes_join_the_running_server(servers, data_dir):
    server = servers()
    address = await server.start()
    second = servers()
    assert (await second.start()).port == address.port and not second.started_here

    other = _run_join_script(data_dir, 0)
    out, err = other.communicate(timeout=30)
    assert other.returncode == 0, err[-2000:]
    assert out.split() == [str(address.port), "False"]
    # The other process has left; we still use the server, so it still runs.
    await second.stop()
    assert await _reachable(address)
    await server.stop()
    assert not await _reachable(address)
    assert not (data_dir / STATE_FILE).exists()


async def test_a_restart_reuses_the_data(servers):
    server = servers()
    database = await server.ensure_database("dialler")
    conn = await asyncpg.connect(database.plain_url)
    await conn.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)")
    await conn.close()
    await server.stop()

    again = servers()
    await again.start()
    assert again.started_here
    assert await _fetch(again.address("dialler"), "SELECT id FROM kept") == 7


async def test_a_crashed_owner_leaves_a_server_the_next_process_joins_then_stops(servers,
                                                                                 data_dir):
    owner = _run_join_script(data_dir, 60)
    port, started_here = (await asyncio.to_thread(owner.stdout.readline)).split()
    assert started_here == "True"
    owner.send_signal(signal.SIGKILL)
    owner.wait(10)

    server = servers()
    address = await server.start()
    assert address.port == int(port) and not server.started_here
    await server.stop()  # the dead owner no longer counts: the last live user stops it
    assert not await _reachable(address)


async def test_stale_or_broken_state_files_are_ignored(servers, data_dir):
    data_dir.mkdir()
    (data_dir / STATE_FILE).write_text(json.dumps(
        {"port": 1, "pid": 2 ** 22 + 1, "clients": [{"pid": 2 ** 22 + 1, "id": "gone"}]}))
    server = servers()
    await server.start()
    assert server.started_here and server.port != 1
    await server.stop()

    (data_dir / STATE_FILE).write_text("{not json")
    server = servers()
    assert await _reachable(await server.start())


def test_the_jwt_secret_is_made_once_and_kept_private(tmp_path):
    secret = embedded_jwt_secret(tmp_path / "data")
    assert len(secret) >= 80 and secret == embedded_jwt_secret(tmp_path / "data")
    path = tmp_path / "data" / "jwt_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret != embedded_jwt_secret(tmp_path / "elsewhere")
    assert not [p for p in (tmp_path / "data").iterdir() if p.name != "jwt_secret"]


async def test_embedded_redis_clients_share_one_server_with_working_pubsub():
    api, worker = embedded_redis(), embedded_redis()
    await worker.set(b"dialler:probe", b"1")
    assert await api.get(b"dialler:probe") == b"1"

    pubsub = api.pubsub()
    await pubsub.subscribe("dialler:queue-events")
    assert await worker.publish("dialler:queue-events", b'{"kind": "ADDED"}') == 1
    message = await _next_message(pubsub)
    assert message["type"] == "message" and message["channel"] == b"dialler:queue-events"
    assert message["data"] == b'{"kind": "ADDED"}'
    await worker.publish("dialler:queue-events", b"second")
    async for message in pubsub.listen():  # the other way subscribers read
        if message["type"] == "message":
            assert message["data"] == b"second"
            break
    await pubsub.unsubscribe()
    await pubsub.aclose()
    await api.delete(b"dialler:probe")
    await api.aclose()
    await worker.aclose()
