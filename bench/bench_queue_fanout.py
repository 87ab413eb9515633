"""QueueUpdates fan-out: one event to N websocket subscribers of ONE API process.

    .venv/bin/python bench/bench_queue_fanout.py --subscribers 2000 --events 50 --clients 4
Starts the API as a real uvicorn server in a subprocess (bench/api_server.py), opens the
subscriptions (graphql-transport-ws, token in connection_init) from --clients separate
client processes (bench/fanout_client.py), waits until a probe event reached every socket,
then publishes --events QueueChanged events one at a time through RedisEventBus with the
server's prefix. Each event's reason carries its time.time() at publish; a client takes
time.time() when it has read and decoded the message. Printed: per event, the latency
until the LAST subscriber had it; every single delivery; the server's RSS and CPU.
Clients share the machine's cores with the server, so their own decoding is included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis.asyncio as aioredis  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from domain.queue.model import QueueChanged, QueueChangeKind, QueueType  # noqa: E402
from infrastructure.redis.event_bus import RedisEventBus  # noqa: E402
from infrastructure.redis.resilient import ResilientRedis  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402
from tests.services import free_port  # noqa: E402

EVENT_TIMEOUT = 15.0


class Process:
    """A child process speaking in lines; each line it prints sets a flag of that name."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.flags: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.lines: dict[str, str] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *argv: str, env: dict | None = None) -> Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *argv, cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=2 ** 28)
        return cls(proc)

    async def _read(self) -> None:
        async for raw in self.proc.stdout:
            line = raw.decode().strip()
            word = line.split(" ", 1)[0]
            key = line if word == "GOT" else word
            self.lines[key] = line
            self.flags[key].set()

    async def wait(self, key: str, within: float) -> str | None:
        try:
            await asyncio.wait_for(self.flags[key].wait(), within)
        except TimeoutError:
            return None
        return self.lines[key]

    def send(self, line: str) -> None:
        self.proc.stdin.write(line.encode() + b"\n")


def server_env(settings: Settings, experiments: list[str]) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": settings.database_url, "REPLICA_DATABASE_URL":
        settings.replica_database_url, "REDIS_URL": settings.redis_url,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "REDIS_KEY_PREFIX": settings.redis_key_prefix, "LOG_LEVEL": "WARNING",
        "ENABLE_CDC_SYNC": "false", "ENABLE_BATCH_SYNC": "false",
        "ENABLE_CACHE_WARMING": "false"} | dict(e.split("=", 1) for e in experiments)


def proc_figures(pid: int) -> dict[str, float]:
    """RSS and peak RSS (MB) and CPU seconds so far of a process."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {"rss": int(status["VmRSS"].split()[0]) / 1024,
            "hwm": int(status["VmHWM"].split()[0]) / 1024,
            "cpu": (int(stat[11]) + int(stat[12])) / ticks}


def event(reason: str) -> QueueChanged:
    return QueueChanged(QueueChangeKind.MOVED, 42, QueueType.CALLBACK, QueueType.UNSIGNED,
                        12.5, reason, datetime.now(UTC))


async def subscribe_all(args, clients: list[Process], bus: RedisEventBus) -> float:
    started = time.perf_counter()
    for client in clients:
        if await client.wait("CONNECTED", 300) is None:
            raise SystemExit("clients did not connect in 300 s")
    connected = time.perf_counter() - started
    print(f"{args.subscribers} sockets connected in {connected:.1f} s", flush=True)
    # A subscribe message is not yet a listener: probe until every socket has had one.
    for _ in range(120):
        await bus.publish([event("probe")])
        if all([await c.wait("SUBSCRIBED", 0.5) for c in clients]):
            return time.perf_counter() - started
    raise SystemExit("not every socket subscribed within a minute")


async def publish_events(args, clients: list[Process], bus: RedisEventBus) -> int:
    """Publishes one event at a time, each once the previous reached everyone; the misses."""
    missing = 0
    for n in range(args.events):
        await bus.publish([event(f"bench {n} {time.time()!r}")])
        for client in clients:
            if await client.wait(f"GOT {n}", EVENT_TIMEOUT) is None:
                missing += 1
        await asyncio.sleep(args.gap)
    return missing


def report(args, results: list[dict], missing: int, before: dict, after: dict) -> None:
    per_event: dict[str, list[float]] = defaultdict(list)
    for result in results:
        for event_id, samples in result["latencies"].items():
            per_event[event_id].extend(samples)
    everyone = [max(s) for s in per_event.values() if len(s) == args.subscribers]
    deliveries = [x for s in per_event.values() for x in s]
    print(f"experiments: {' '.join(args.experiment) or 'none'}")
    print(f"N={args.subscribers} subscribers over {args.clients} client processes, "
          f"{args.events} events, {missing} client-waits timed out, "
          f"{sum(r['duplicates'] for r in results)} duplicates")
    for result in results:
        if result["errors"]:
            print("client errors:", result["errors"])
    print(f"last subscriber per event: {percentiles(everyone)}")
    print(f"every delivery:            {percentiles(deliveries)}")
    cpu = (after["cpu"] - before["cpu"]) / args.events
    print(f"server RSS {after['rss']:.0f} MB (peak {after['hwm']:.0f} MB, "
          f"{before['rss']:.0f} MB before the events); server CPU {cpu * 1000:.1f} ms/event "
          f"(with the {args.gap * 1000:.0f} ms gaps' idle work)", flush=True)


async def profile(path: str | None, pid: str) -> asyncio.subprocess.Process | None:
    """py-spy (installed by hand, for measuring only) on the server, collapsed stacks."""
    if not path:
        return None
    spy = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"), "record", "-p", pid, "-o", path,
        "--format", "raw", "-r", "200", stdout=asyncio.subprocess.DEVNULL)
    await asyncio.sleep(1.0)
    return spy


async def run(args, settings: Settings) -> None:
    port = free_port()
    server = await Process.start("-m", "bench.api_server", str(port), args.ws,
                                 env=server_env(settings, args.experiment))
    clients: list[Process] = []
    redis = aioredis.from_url(settings.redis_url)
    bus = RedisEventBus(ResilientRedis(redis), settings.redis_key_prefix)
    try:
        ready = await server.wait("READY", 120)
        if ready is None:
            raise SystemExit("the API did not start")
        _, pid, *tokens = ready.split()
        share = [args.subscribers // args.clients + (k < args.subscribers % args.clients)
                 for k in range(args.clients)]
        for count in share:
            client = await Process.start("-m", "bench.fanout_client",
                                         f"ws://127.0.0.1:{port}/graphql", str(count),
                                         str(args.typed_every))
            client.send(" ".join(tokens))
            clients.append(client)
        took = await subscribe_all(args, clients, bus)
        print(f"all subscribed after {took:.1f} s", flush=True)
        await asyncio.sleep(1.0)
        profiler = await profile(args.profile, pid)
        before = proc_figures(int(pid))
        missing = await publish_events(args, clients, bus)
        after = proc_figures(int(pid))
        if profiler:
            profiler.send_signal(signal.SIGINT)
            await profiler.wait()
        results = []
        for client in clients:
            client.send("STOP")
            line = await client.wait("RESULT", 60)
            results.append(json.loads(line.split(" ", 1)[1]) if line else
                           {"latencies": {}, "duplicates": 0, "errors": ["no result"]})
        report(args, results, missing, before, after)
    finally:
        for proc in (*clients, server):
            if proc.proc.returncode is None:
                proc.proc.terminate()
            await proc.proc.wait()
        await asyncio.sleep(0.1)
        print("server", server.lines.get("GC", "GC: not reported"))
        await redis.aclose()


async def main(args: argparse.Namespace) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    replica, dialler, ours = await databases(args.users)
    settings = settings_for(replica, dialler)
    try:
        await run(args, settings)
    finally:
        await drop(replica, dialler, ours, settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--typed-every", type=int, default=2,
                        help="every n-th subscriber asks for type UNSIGNED (0: none)")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between events")
    parser.add_argument("--ws", default="auto", help="uvicorn's websocket implementation")
    parser.add_argument("--experiment", action="append", default=[], metavar="NAME=VALUE",
                        help="an experiment of bench/api_server.py, e.g. BENCH_GC_FREEZE=1")
    parser.add_argument("--profile", help="write py-spy's collapsed stacks of the server here")
    parser.add_argument("--users", type=int, default=20, help="replica users (unused)")
    asyncio.run(main(parser.parse_args()))
