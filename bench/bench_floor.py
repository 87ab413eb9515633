"""A floor at full strength over real HTTP: `dialler serve --workers N` and 200 agents.

    .venv/bin/python bench/bench_floor.py --users 50000 --agents 200 --rounds 5 --workers 1,2
        [--replica-url URL] [--source /tmp/before,.]

For each checkout and worker count it migrates a fresh dialler database and builds the
queue with that checkout's own commands, starts its `dialler serve` as a process group,
then: every agent asks `nextLead` (the contract's selection) at the same moment, then every
agent records NO_ANSWER at the same moment, `rounds` times, while one more client asks
`{ me { id } }` every 50 ms. It prints p50/p99 and errors for each (each round's too: the
first also opens the connections), the slowest `me`, the server's CPU per request (all its
processes, from /proc over sequential requests) and, over the bursts after the first, the
whole machine's CPU per request by process (server, PostgreSQL, MariaDB, Redis, this
client) with the floor it sets: on C cores, N requests at once need N x total / C.
`--py-spy PREFIX` records the server during the rounds.
`--source A,B` compares checkouts (e.g. a worktree of an older commit, run with this venv)
in one run; `--workers` is passed to this checkout only.
`--agent-rates` puts an active learning snapshot in which every agent has UNSIGNED conversion
rates for the common lenders (some clearly above the team's), so that agent matching works
on every nextLead; `--match-windows 0,5` runs once per MATCH_WINDOW_POINTS (0: off).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
import psutil  # noqa: E402

from bench.common import databases, percentiles, settings_for  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from domain.agents.sessions import Principal  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from infrastructure.security.tokens import JwtTokenService  # noqa: E402
from tests import services as svc  # noqa: E402
from tests.services import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# The contract's NextLead (what an agent's screen asks): the user comes from the replica.
NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id queueType expiresAt "
        "user { id firstName phoneNumber } } } "
        "... on NoLeadAvailable { reason } } }")
DISPOSE = ("mutation($i: DispositionInput!) { recordDisposition(input: $i) { __typename "
           "... on DispositionRejected { message } } }")
ME = "{ me { id } }"


def environment(settings, source: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "REPLICA"))}
    env.update(DATABASE_URL=settings.database_url,
               REPLICA_DATABASE_URL=settings.replica_database_url,
               REDIS_URL=settings.redis_url,
               JWT_SECRET=settings.jwt_secret.get_secret_value(),
               REDIS_KEY_PREFIX=settings.redis_key_prefix, LOG_LEVEL="WARNING",
               # No 5-minute rescore (a full rebuild) inside the measured CPU.
               ENABLE_BATCH_SYNC="false", PYTHONPATH=str(source))
    return env


class Server:
    """`dialler serve` in its own process group, stopped with SIGTERM."""

    def __init__(self, settings, port: int, workers: int | None, source: Path):
        args = [sys.executable, "-m", "cli.main", "serve", "--port", str(port)]
        if workers is not None:
            args += ["--workers", str(workers)]
        self.log = open(f"/tmp/bench_floor_{port}.log", "wb")  # noqa: SIM115 - kept open
        self.proc = subprocess.Popen(args, cwd=source, env=environment(settings, source),
                                     start_new_session=True, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"

    async def ready(self, http: aiohttp.ClientSession, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                async with http.get(self.url + "/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError("the server did not start")

    def cpu_seconds(self) -> float:
        root = psutil.Process(self.proc.pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            times = proc.cpu_times()
            total += times.user + times.system
        return total

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def machine_cpu(server: Server) -> dict[str, float]:
    """CPU seconds so far by who spent them: the server, PostgreSQL, MariaDB, Redis, us."""
    tree = {server.proc.pid, *(c.pid for c in psutil.Process(server.proc.pid).children(True))}
    spent: dict[str, float] = {}
    for proc in psutil.process_iter(["name", "cpu_times"]):
        times = proc.info["cpu_times"]
        if times is None:
            continue
        name = proc.info["name"] or "?"
        who = ("server" if proc.pid in tree else "bench client" if proc.pid == os.getpid()
               else "postgres" if name.startswith("postgres") else
               name if name in ("mariadbd", "redis-server") else "other")
        spent[who] = spent.get(who, 0.0) + times.user + times.system
    return spent


class Spent:
    """Machine CPU over one kind of burst, summed over the rounds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.requests = 0

    def add(self, before: dict[str, float], after: dict[str, float], requests: int) -> None:
        for who, total in after.items():
            self.seconds[who] = self.seconds.get(who, 0.0) + total - before.get(who, 0.0)
        self.requests += requests

    def report(self, at_once: int) -> str:
        """ms per request by spender, and the floor that sets on the slowest of a burst:
        when all arrive at once, the last cannot be answered before all the work is done."""
        per = {who: s * 1000 / max(1, self.requests) for who, s in self.seconds.items()}
        total = sum(per.values())
        parts = ", ".join(f"{who} {ms:.2f}" for who, ms in
                          sorted(per.items(), key=lambda item: -item[1]) if ms >= 0.005)
        cores = os.cpu_count() or 1
        return (f"CPU ms per request: {parts}; total {total:.2f} ms, so {at_once} at once on "
                f"{cores} cores take at least {total * at_once / cores:.0f} ms")


async def post(http, url: str, token: str, query: str, variables=None, within=90.0):
    """(seconds, error or None, data)."""
    started = time.perf_counter()
    try:
        async with http.post(url + "/graphql", json={"query": query, "variables": variables or {}},
                             headers={"Authorization": f"Bearer {token}"},
                             timeout=aiohttp.ClientTimeout(total=within)) as response:
            body = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError) as exc:
        return time.perf_counter() - started, type(exc).__name__, None
    elapsed = time.perf_counter() - started
    if body.get("errors"):
        return elapsed, body["errors"][0].get("extensions", {}).get("code", "ERROR"), None
    return elapsed, None, body["data"]


class Watcher:
    def __init__(self, http, url: str, token: str):
        self.http, self.url, self.token = http, url, token
        self.samples: list[float] = []
        self.errors = 0
        self.stopped = asyncio.Event()

    async def run(self) -> None:
        while not self.stopped.is_set():
            elapsed, error, _ = await post(self.http, self.url, self.token, ME)
            self.samples.append(elapsed)
            self.errors += error is not None
            await asyncio.sleep(0.05)


async def rounds(http, server: Server, tokens: list[str], count: int) -> tuple:
    leases, disposals, errors = [], [], {"nextLead": {}, "recordDisposition": {}}
    spent = {"nextLead": Spent(), "recordDisposition": Spent()}
    for number in range(count):
        before = machine_cpu(server)
        results = await asyncio.gather(*(post(http, server.url, t, NEXT) for t in tokens))
        if number:  # the first round also opens every connection: reported on its own
            spent["nextLead"].add(before, machine_cpu(server), len(results))
        print(f"  round {number + 1}: nextLead {percentiles([r[0] for r in results])}",
              flush=True)
        held = []
        for token, (elapsed, error, data) in zip(tokens, results, strict=True):
            leases.append(elapsed)
            if error:
                errors["nextLead"][error] = errors["nextLead"].get(error, 0) + 1
            elif data["nextLead"]["__typename"] == "LeadAssigned":
                held.append((token, data["nextLead"]["assignment"]["id"]))
        before = machine_cpu(server)
        results = await asyncio.gather(*(
            post(http, server.url, t, DISPOSE, {"i": {"assignmentId": lease,
                                                      "outcome": "NO_ANSWER"}})
            for t, lease in held))
        if number:
            spent["recordDisposition"].add(before, machine_cpu(server), len(results))
        for elapsed, error, data in results:
            disposals.append(elapsed)
            if error or data["recordDisposition"]["__typename"] != "DispositionRecorded":
                key = error or data["recordDisposition"].get("message", "rejected")
                errors["recordDisposition"][key] = errors["recordDisposition"].get(key, 0) + 1
    return leases, disposals, errors, spent


async def cpu_per_request(http, server: Server, tokens: list[str], n: int) -> tuple[float, float]:
    """Server CPU ms per nextLead and per recordDisposition, one request at a time."""
    before, held = server.cpu_seconds(), []
    for token in tokens[:n]:
        _, error, data = await post(http, server.url, token, NEXT, within=15)
        if not error and data["nextLead"]["__typename"] == "LeadAssigned":
            held.append((token, data["nextLead"]["assignment"]["id"]))
    middle = server.cpu_seconds()
    for token, lease in held:
        await post(http, server.url, token, DISPOSE,
                   {"i": {"assignmentId": lease, "outcome": "NO_ANSWER"}}, within=15)
    after = server.cpu_seconds()
    return (middle - before) * 1000 / n, (after - middle) * 1000 / max(1, len(held))


def profile(server: Server, into: str | None, label: str) -> subprocess.Popen | None:
    """py-spy (when asked) over the server's processes during the rounds: collapsed stacks."""
    if not into:
        return None
    out = f"{into}.{label.replace(' ', '_')}.txt"
    print(f"{label}: profile in {out}", flush=True)
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record",
                             "--subprocesses", "--format", "raw", "--rate", "250",
                             "--pid", str(server.proc.pid), "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def dialler(settings, source: Path, *args: str) -> None:
    """A `dialler` command of the checkout under test (its own migrations, its own code)."""
    subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=source, check=True,
                   env=environment(settings, source), stdout=subprocess.DEVNULL)


async def make_agents(address, count: int) -> list[uuid.UUID]:
    conn = await asyncpg.connect(address.plain_url)
    try:
        return await svc.insert_agents(conn, count, "bench.local")
    finally:
        await conn.close()


BENCH_LENDERS = ("santander", "lloyds", "barclays", "hsbc", "nationwide", "halifax",
                 "black horse", "lender unknown")


async def add_agent_rates(address, agents: list[uuid.UUID]) -> None:
    """An active snapshot with each agent's UNSIGNED rate per lender against the team's."""
    conn = await asyncpg.connect(address.plain_url)
    try:
        snapshot = await conn.fetchval(
            "INSERT INTO learning_snapshots (version, status, created_at, figures) "
            "VALUES (1, 'ACTIVE', now(), '{}'::jsonb) RETURNING id")
        rows = [(snapshot, agent, lender, 6 + (n + k) % 5, 30,
                 0.20 + 0.04 * ((n * 7 + k * 3) % 5), 0.5, 0.24)
                for n, agent in enumerate(agents) for k, lender in enumerate(BENCH_LENDERS)]
        await conn.executemany(
            "INSERT INTO learned_agents (snapshot_id, agent_id, queue_type, lender, converted, "
            "worked, estimate, confidence, team_estimate) "
            "VALUES ($1, $2, 'UNSIGNED', $3, $4, $5, $6, $7, $8)", rows)
        # Planned from statistics, as autovacuum keeps them in service, not from the
        # planner's guesses about a table just filled (matching reads 50 entries, not 1).
        await conn.execute("ANALYZE queue_entries")
    finally:
        await conn.close()


async def one_server(args, replica, workers: int | None, source: Path) -> None:
    """A fresh dialler database, migrated and filled by the checkout's own commands."""
    address = await svc.create_postgres_database("bench_floor")
    settings = settings_for(replica, address)
    try:
        dialler(settings, source, "db", "migrate")
        dialler(settings, source, "queue", "refresh")
        agents = await make_agents(address, args.agents + 1 + args.cpu_requests + 20)
        if args.agent_rates:
            await add_agent_rates(address, agents)
        tokens = JwtTokenService(settings.jwt_secret.get_secret_value(), timedelta(hours=2))
        minted = [tokens.issue(Principal(a, Role.AGENT)).token for a in agents]
        await measure(args, settings, workers, source, minted)
    finally:
        await svc.delete_redis_keys(settings.redis_key_prefix)
        await svc.drop_postgres_database(address)


async def measure(args, settings, workers: int | None, source: Path, tokens: list[str]) -> None:
    server = Server(settings, free_port(), workers, source)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        try:
            await server.ready(http)
            label = f"{source.name} workers={workers if workers is not None else 'default'}"
            if "MATCH_WINDOW_POINTS" in os.environ:
                label += f" MATCH_WINDOW_POINTS={os.environ['MATCH_WINDOW_POINTS']}"
            # One at a time first, on a fresh server: CPU per request (after a warm-up).
            await cpu_per_request(http, server, tokens[-20:], 10)
            lead_cpu, dispose_cpu = await cpu_per_request(
                http, server, tokens[args.agents + 1:-20], args.cpu_requests)
            print(f"{label}: server CPU per request, one at a time: nextLead {lead_cpu:.2f} ms, "
                  f"recordDisposition {dispose_cpu:.2f} ms", flush=True)
            watcher = Watcher(http, server.url, tokens[args.agents])
            watching = asyncio.create_task(watcher.run())
            profiler = profile(server, args.py_spy, label)
            leases, disposals, errors, spent = await rounds(http, server, tokens[:args.agents],
                                                            args.rounds)
            watcher.stopped.set()
            await watching
            if profiler:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(60)
            print(f"{label}: nextLead, {args.agents} at once x{args.rounds}: "
                  f"{percentiles(leases)}; errors {errors['nextLead']}")
            print(f"{label}: recordDisposition, {args.agents} at once x{args.rounds}: "
                  f"{percentiles(disposals)}; errors {errors['recordDisposition']}")
            for name, what in spent.items():
                print(f"{label}: {name} after the first round: {what.report(args.agents)}")
            later = leases[args.agents:]
            if later:
                print(f"{label}: nextLead after the first round (connections open): "
                      f"{percentiles(later)}")
            print(f"{label}: me meanwhile: {percentiles(watcher.samples)}; "
                  f"errors {watcher.errors}", flush=True)
        finally:
            server.stop()


async def main(args, sources: list[Path]) -> None:
    configure_logging("WARNING")
    replica, spare, ours = await databases(args.users, replica_url=args.replica_url,
                                           migrated=False)
    await svc.drop_postgres_database(spare)  # each server run makes a database of its own
    try:
        for source in sources:
            counts = [None] if source != ROOT else [int(w) for w in args.workers.split(",")]
            for workers in counts:
                for window in args.match_windows.split(",") if args.match_windows else [None]:
                    if window is not None:  # the server and its commands inherit it
                        os.environ["MATCH_WINDOW_POINTS"] = window
                    await one_server(args, replica, workers, source)
    finally:
        if ours:
            await svc.drop_mysql_database(replica)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--cpu-requests", type=int, default=200)
    parser.add_argument("--py-spy", metavar="PREFIX",
                        help="record the server with py-spy during the rounds (collapsed "
                             "stacks; py-spy is not a dependency: pip install it)")
    parser.add_argument("--replica-url", help="a replica already seeded (kept from before)")
    parser.add_argument("--agent-rates", action="store_true",
                        help="an active learning snapshot with every agent's conversion rates")
    parser.add_argument("--match-windows", metavar="POINTS,...",
                        help="one run per MATCH_WINDOW_POINTS value (0: matching off)")
    parser.add_argument("--source", default=str(ROOT),
                        help="checkouts to compare, comma-separated (another one runs with "
                             "this venv and without --workers)")
    parsed = parser.parse_args()
    asyncio.run(main(parsed, [Path(s).resolve() for s in parsed.source.split(",")]))
