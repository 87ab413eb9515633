"""Login and Me latency for one agent while a storm of failed logins arrives.

    .venv/bin/python bench/bench_login.py --seconds 10 --rate 30
One API process (bench/api_server.py, a uvicorn process of its own). One client, from one
address, logs in with the right password and then asks `me`, five times a second;
meanwhile ``--rate`` logins a second with wrong passwords arrive from other addresses (sent
as X-Forwarded-For, which the server believes from loopback). Three phases:
- quiet: no storm;
- spread: each failed login from an address and e-mail of its own, so none is throttled and
  every one pays a full argon2 verify (what running argon2 off the event loop is for);
- one address: the storm guessing one e-mail's password from one address, which the
  login back-off turns away (after 5 failures) without checking passwords.
``--compare`` runs the phases again against a server whose argon2 runs on the event loop,
as it did before it moved to threads.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench.common import databases, drop, percentiles, settings_for  # noqa: E402
from infrastructure.security.passwords import Argon2PasswordHasher  # noqa: E402
from tests import services as svc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long and correct password"
LOGIN = ("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename "
         "... on LoginSucceeded { token } } }")
ME = "{ me { id } }"
VICTIM_ADDRESS = "10.0.0.1"
VICTIM_EVERY_SECONDS = 0.2
CLIENT_TIMEOUT = 30.0


def summary(samples: list[float]) -> str:
    return percentiles(samples) if samples else "none answered"


def outcome(body: dict) -> str:
    if body.get("errors"):
        return body["errors"][0].get("extensions", {}).get("code", "ERROR")
    return body["data"]["login"]["__typename"]


async def post(http: httpx.AsyncClient, query: str, variables: dict, headers: dict) -> dict:
    try:
        response = await http.post("/graphql", json={"query": query, "variables": variables},
                                   headers=headers)
    except httpx.TimeoutException:  # counted as an answer of its own, not a crash
        return {"errors": [{"extensions": {"code": f"NO ANSWER IN {CLIENT_TIMEOUT:.0f} s"}}]}
    return response.json()


async def victim(http: httpx.AsyncClient, email: str, until: float
                 ) -> tuple[list[float], list[float], collections.Counter]:
    """The agent's own logins and Me requests, paced; (login times, Me times, outcomes)."""
    logins, mes, outcomes = [], [], collections.Counter()
    forwarded = {"X-Forwarded-For": VICTIM_ADDRESS}
    while time.monotonic() < until:
        round_started = started = time.perf_counter()
        body = await post(http, LOGIN, {"e": email, "p": PASSWORD}, forwarded)
        logins.append(time.perf_counter() - started)
        outcomes[outcome(body)] += 1
        if "errors" not in body:
            token = body["data"]["login"]["token"]
            started = time.perf_counter()
            me = await post(http, ME, {}, forwarded | {"Authorization": f"Bearer {token}"})
            mes.append(time.perf_counter() - started)
            outcomes["me " + ("error" if me.get("errors") else "ok")] += 1
        await asyncio.sleep(max(0.0, VICTIM_EVERY_SECONDS - (time.perf_counter()
                                                             - round_started)))
    return logins, mes, outcomes


async def storm(http: httpx.AsyncClient, rate: float, until: float, spread: bool
                ) -> tuple[list[float], collections.Counter]:
    """``rate`` failed logins a second, each sent on time whatever the answers do."""
    times, outcomes, tasks = [], collections.Counter(), []
    numbers = itertools.count()

    async def attempt(n: int) -> None:
        if spread:  # nobody is throttled: each costs a verify (of a dummy hash)
            address = f"10.{100 + n // 65_025 % 100}.{n // 255 % 255}.{n % 255 + 1}"
            email = f"spray-{n}@bench.local"
        else:
            address, email = "10.99.0.1", "guessed@bench.local"
        started = time.perf_counter()
        body = await post(http, LOGIN, {"e": email, "p": f"wrong guess {n}"},
                          {"X-Forwarded-For": address})
        times.append(time.perf_counter() - started)
        outcomes[outcome(body)] += 1

    start = time.monotonic()
    while (now := time.monotonic()) < until:
        n = next(numbers)
        tasks.append(asyncio.create_task(attempt(n)))
        await asyncio.sleep(max(0.0, start + (n + 1) / rate - now))
    await asyncio.gather(*tasks)
    return times, outcomes


async def phase(name: str, url: str, email: str, seconds: float, rate: float | None,
                spread: bool) -> None:
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT, limits=limits) as mine, \
            httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT, limits=limits) as theirs:
        until = time.monotonic() + seconds
        jobs = [victim(mine, email, until)]
        if rate:
            jobs.append(storm(theirs, rate, until, spread))
        results = await asyncio.gather(*jobs)
    logins, mes, outcomes = results[0]
    print(f"-- {name}")
    print(f"   agent's login: {summary(logins)}")
    print(f"   agent's me:    {summary(mes)}")
    print(f"   agent's answers: {dict(outcomes)}")
    if rate:
        times, answers = results[1]
        print(f"   storm ({len(times) / seconds:.1f}/s sent): {summary(times)}")
        print(f"   storm answers: {dict(answers)}")


# The API server with argon2 on the event loop, as it was before it moved to threads.
ON_LOOP = """
import asyncio, sys
import service_layer.agents as agents

async def inline(hasher, password_hash, password):
    return hasher.verify(password_hash, password)

agents.verify_password = inline
from bench.api_server import serve
asyncio.run(serve(int(sys.argv[1]), "auto"))
"""


async def start_server(settings, on_loop: bool) -> tuple[asyncio.subprocess.Process, str]:
    port = svc.free_port()
    env = os.environ | {"DATABASE_URL": settings.database_url,
                        "REPLICA_DATABASE_URL": settings.replica_database_url,
                        "REDIS_URL": settings.redis_url,
                        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
                        "REDIS_KEY_PREFIX": settings.redis_key_prefix,
                        "LOG_LEVEL": "WARNING", "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    command = ["-c", ON_LOOP] if on_loop else ["-m", "bench.api_server"]
    server = await asyncio.create_subprocess_exec(
        sys.executable, *command, str(port), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(120):
            while not (line := (await server.stdout.readline()).decode()).startswith("READY"):
                if not line:
                    raise RuntimeError("the API server exited before it was ready")
    except BaseException:
        server.kill()
        raise
    return server, f"http://127.0.0.1:{port}"


async def main(args: argparse.Namespace) -> None:
    replica, dialler, ours = await databases(20)
    settings = settings_for(replica, dialler)
    email = f"agent-{uuid.uuid4().hex[:6]}@bench.local"
    conn = await asyncpg.connect(dialler.plain_url)
    try:
        await conn.execute(
            "INSERT INTO agents (id, email, name, role, password_hash, is_active) "
            "VALUES ($1, $2, 'Bench Agent', 'AGENT', $3, true)", uuid.uuid4(), email,
            Argon2PasswordHasher().hash(PASSWORD))
    finally:
        await conn.close()
    print(f"1 API process on {len(os.sched_getaffinity(0))} cores (shared with this "
          f"client); argon2id t=2 m=19 MiB; {args.seconds:.0f} s a phase; the agent "
          f"every {VICTIM_EVERY_SECONDS * 1000:.0f} ms; storm {args.rate:.0f} logins/s",
          flush=True)
    try:
        for on_loop in (False, True) if args.compare else (False,):
            print(f"== argon2 {'on the event loop (before)' if on_loop else 'in threads'}")
            server, url = await start_server(settings, on_loop)
            try:
                await phase("quiet", url, email, args.seconds, None, False)
                await phase("storm, spread over addresses and e-mails", url, email,
                            args.seconds, args.rate, True)
                await phase("storm, guessing one e-mail from one address", url, email,
                            args.seconds, args.rate, False)
            finally:
                server.terminate()
                await server.communicate()  # drains its output while it shuts down
            await svc.delete_redis_keys(settings.redis_key_prefix)  # the next starts afresh
    finally:
        await drop(replica, dialler, ours, settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=30, help="failed logins a second")
    parser.add_argument("--compare", action="store_true",
                        help="also against a server with argon2 on the event loop")
    asyncio.run(main(parser.parse_args()))
