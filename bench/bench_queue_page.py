"""QueuePage (users, claims, requirements) over real HTTP and in process; its SQL statements;
the CPU an almost empty authenticated query costs.

    .venv/bin/python bench/bench_queue_page.py --users 50000 [--replica-url URL] [--requests 30]

Over HTTP the API runs under uvicorn in its own process (bench/api_server.py, settings from
the environment as `dialler serve` reads them) and httpx asks from this one. In process the
same app answers through httpx's ASGI transport, where statements can be counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for, token_for_new_agent  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402
from tests.contracts import OPERATIONS  # noqa: E402

PAGE = (OPERATIONS / "queue.graphql"
        ).read_text().split("\n\n")[0]
ME = "{ me { id } }"
SIZES = (50, 500)


async def main(args) -> None:
    configure_logging("WARNING")
    replica, dialler, ours = await databases(args.users, replica_url=args.replica_url)
    settings = settings_for(replica, dialler)
    services = await bootstrap(settings)
    try:
        await services.queues.rebuild()
        token = await token_for_new_agent(services, Role.SUPERVISOR)
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            print("in process (ASGI transport, this process):")
            await measure(http, token, args.requests, statements=services)
        for gc_tuned in (False, True) if args.gc_tuned else (False,):
            async with api_process(settings, gc_tuned) as (base_url, pid), \
                    httpx.AsyncClient(base_url=base_url, timeout=60) as http:
                print(f"over HTTP (uvicorn, pid {pid}{', GC tuned' if gc_tuned else ''}):")
                await measure(http, token, args.requests, server_pid=pid)
    finally:
        await services.close()
        await drop(replica, dialler, ours, services.settings.redis_key_prefix)


async def measure(http: httpx.AsyncClient, token: str, requests: int, *, statements=None,
                  server_pid: int | None = None) -> None:
    """Prints p50/p99 per page size, and CPU per request for the page and for `me`."""
    ask = _asker(http, token)
    for first in SIZES:
        for _ in range(3):  # warm: caches, pool connections, the first page's imports
            await ask(PAGE, first)
        samples, counted, sizes = [], [], set()
        cpu = _Cpu(server_pid)
        for _ in range(requests):
            before = _statements(statements)
            started = time.perf_counter()
            size = await ask(PAGE, first)
            samples.append(time.perf_counter() - started)
            counted.append(_statements(statements) - before)
            sizes.add(size)
        line = (f"  QueuePage(first: {first}): {percentiles(samples)}; "
                f"{'/'.join(map(str, sorted(sizes)))} bytes; {cpu.per(requests)}")
        if statements is not None:
            line += f"; SQL statements per request: {sorted(set(counted))}"
        print(line, flush=True)
    await _measure_me(ask, requests * 10, server_pid)


async def _measure_me(ask, requests: int, server_pid: int | None) -> None:
    for _ in range(20):
        await ask(ME)
    samples, cpu = [], _Cpu(server_pid)
    for _ in range(requests):
        started = time.perf_counter()
        await ask(ME)
        samples.append(time.perf_counter() - started)
    print(f"  {ME}: {percentiles(samples)}; {cpu.per(requests)}", flush=True)


def _asker(http: httpx.AsyncClient, token: str):
    headers = {"Authorization": f"Bearer {token}"}

    async def ask(query: str, first: int | None = None) -> int:
        variables = {"type": "UNSIGNED", "first": first} if first else {}
        response = await http.post("/graphql", json={"query": query, "variables": variables},
                                   headers=headers)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        if first:
            page = body["data"]["queue"]
            assert len(page["edges"]) == min(first, page["totalCount"]), body
        return len(response.content)

    return ask


def _statements(services) -> int:
    if services is None:
        return 0
    return services.replica.db.statements + services.pg_statements.count


class _Cpu:
    """CPU seconds of the process that answers (this one, or the API's) across requests."""

    def __init__(self, pid: int | None):
        self.pid = pid
        self.started = self._now()

    def _now(self) -> float:
        if self.pid is None:
            return time.process_time()
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def per(self, requests: int) -> str:
        where = "server" if self.pid else "process (server and client)"
        return f"{where} CPU {(self._now() - self.started) / requests * 1000:.2f} ms/request"


# `--gc-tuned`: the same server with the heap built at start-up frozen out of the cyclic
# collector and fewer young-generation collections, to show what collection costs a page.
GC_TUNED = """
import asyncio, gc, sys
import bench.api_server as server
make = server.create_app
def create_app(services):
    app = make(services)
    gc.collect()
    gc.freeze()
    return app
server.create_app = create_app
gc.set_threshold(50_000, 20, 20)
asyncio.run(server.serve(int(sys.argv[1]), "auto"))
"""


class api_process:  # noqa: N801 - used as `async with api_process(...)`
    """bench/api_server.py under uvicorn on a free port, on the bench's databases; from
    another checkout's ``root`` when given (with this venv)."""

    def __init__(self, settings: Settings, gc_tuned: bool = False, root: Path = ROOT):
        self.settings, self.gc_tuned, self.root = settings, gc_tuned, root

    async def __aenter__(self) -> tuple[str, int]:
        port = _free_port()
        command = ["-c", GC_TUNED] if self.gc_tuned else ["-m", "bench.api_server"]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, *command, str(port), cwd=self.root,
            env={**os.environ, **_environment(self.settings), "PYTHONPATH": str(self.root)},
            stdout=asyncio.subprocess.PIPE)
        line = b""
        while not line.startswith(b"READY"):
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout=120)
            if not line:
                raise RuntimeError("the API process ended before it served")
        return f"http://127.0.0.1:{port}", self.process.pid

    async def __aexit__(self, *exc) -> None:
        self.process.terminate()
        await asyncio.wait_for(self.process.wait(), timeout=30)


def _environment(settings: Settings) -> dict[str, str]:
    return {"DATABASE_URL": settings.database_url,
            "REPLICA_DATABASE_URL": settings.replica_database_url,
            "REDIS_URL": settings.redis_url, "REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "JWT_SECRET": settings.jwt_secret.get_secret_value(), "LOG_LEVEL": "WARNING",
            "LOG_JSON": "true"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--replica-url", help="a replica already seeded (kept from before)")
    parser.add_argument("--gc-tuned", action="store_true",
                        help="also serve with gc.freeze() after start-up and a higher threshold")
    asyncio.run(main(parser.parse_args()))
