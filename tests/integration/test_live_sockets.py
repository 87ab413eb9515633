"""Live sessions: an agent's websockets close when their access changes, on every process,
and every request acts on the agent as they are now.

"Two processes" here are two sets of services over the same databases and Redis, each
under its own server, as `serve --workers 2` runs them (test_live_sockets_serve does it
with real processes). On the floor the sweep is slow (60 s), so what closes a socket there
within 2 s is the notice over Redis; with Redis down the 1 s sweep must do it alone.
Close codes: 4401 (log in again), 4403 (role changed: reconnect with the same token).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets

from graphql_api.app import create_app
from infrastructure.bootstrap import bootstrap
from infrastructure.postgres.agent_accounts import PgAccountsUnitOfWork
from infrastructure.security.tokens import JwtTokenService
from service_layer.agent_admin import AgentChanges, update_agent
from service_layer.agent_import import import_agents, parse_agents_csv
from service_layer.agents import create_agent
from tests import services as svc
from tests.conftest import TEST_SECRET
from tests.live_server import live_server
from tests.queue_env import NOW, queue_env
from tests.waiting import wait_until

pytestmark = pytest.mark.integration
PASSWORD = "a long enough password"
# The issue's bound, and a little for the test's own round trips.
WITHIN = 2.0 + 0.5
LOGIN = ("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { "
         "... on LoginSucceeded { token } } }")
ACTIVITY = "subscription { agentActivity { agentId status } }"
UPDATES = "subscription { queueUpdates { kind userId } }"
DASHBOARD = "{ dashboard { callsToday } }"
ME = "{ me { id role status } }"
NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } } }")
STATUS = "mutation($s: AgentStatus!) { setAgentStatus(status: $s) { status } }"


class Process:
    """One API process: its services, its server's address, its open sockets."""

    def __init__(self, services, address: str, app):
        self.services, self.address, self.sockets = services, address, app.state.live_sockets
        self.http = httpx.AsyncClient(base_url=f"http://{address}")

    async def call(self, query: str, token: str | None = None, variables=None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post("/graphql", json={"query": query,
                                                          "variables": variables or {}},
                                        headers=headers, timeout=10)
        return response.json()

    async def ok(self, query: str, token: str | None = None, variables=None) -> dict:
        body = await self.call(query, token, variables)
        assert "errors" not in body, body
        return body["data"]

    async def agent(self, role: str = "SUPERVISOR") -> tuple[str, str]:
        """A new agent logged in here: (e-mail, token with a session)."""
        email = f"{uuid.uuid4().hex[:10]}@live.example.com"
        await create_agent(self.services.uow(), self.services.hasher,
                           policy=self.services.password_policy, email=email,
                           password=PASSWORD, name="Live " + email[:4], role=role, at=NOW)
        token = (await self.ok(LOGIN, variables={"e": email, "p": PASSWORD}))["login"]["token"]
        return email, token

    async def watch(self, token: str, query: str = ACTIVITY, protocol="graphql-transport-ws"):
        """A socket here with one subscription, once this process watches it."""
        agent_id = self.services.tokens.verify(token).agent_id
        before = self.sockets.of(agent_id)
        ws = await websockets.connect(f"ws://{self.address}/graphql", subprotocols=[protocol])
        legacy = protocol == "graphql-ws"
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "start" if legacy else "subscribe",
                                  "payload": {"query": query}}))
        await wait_until(lambda: self.sockets.of(agent_id) > before, "the agent's socket counted",
                         timeout=5, interval=0.01)
        return ws


async def listening(*processes: Process) -> None:
    """Each process receives notices (its Redis subscription and its channel are open)."""
    for process in processes:
        assert await process.services.events.wait_connected()
        await wait_until(lambda process=process: process.sockets.listening,
                         "the process listens for sockets", timeout=5, interval=0.01)


async def close_of(ws, by: float) -> tuple[int, str]:
    """The server's close (code, reason), which must come before ``by`` (monotonic)."""
    try:
        while True:  # events may still arrive before the close
            await asyncio.wait_for(ws.recv(), max(0.0, by - time.monotonic()))
    except websockets.ConnectionClosed as closed:
        assert time.monotonic() <= by
        return closed.rcvd.code, closed.rcvd.reason
    except TimeoutError:
        raise AssertionError("the socket was not closed in time") from None


@asynccontextmanager
async def process(services):
    app = create_app(services)
    async with live_server(services, app) as address:
        proc = Process(services, address, app)
        try:
            yield proc
        finally:
            await proc.http.aclose()


@pytest.fixture(scope="module")
async def floor():
    """Processes A and B, Redis up, sweeps too slow to matter: (A, B, replica rows, clock)."""
    async with queue_env(live_socket_sweep_seconds=60) as (a, rows, clock):
        b = await bootstrap(a.settings, clock=clock)
        try:
            async with process(a) as on_a, process(b) as on_b:
                yield on_a, on_b, rows, clock
        finally:
            await b.close()


@pytest.fixture(scope="module")
async def no_redis():
    """One process whose Redis is a port where nothing listens, sweeping every second."""
    dead = f"redis://127.0.0.1:{svc.free_port()}/0"
    async with queue_env(redis_url=dead) as (services, rows, clock), \
            process(services) as proc:
        yield proc, rows, clock


@pytest.fixture(autouse=True)
def _at_the_start(request):
    """Each test starts at NOW on the fixed clock."""
    for name in ("floor", "no_redis"):
        if name in request.fixturenames:
            request.getfixturevalue(name)[-1].now = NOW


# -- the notice: every process acts on it at once --------------------------------------------


async def test_a_logout_on_b_closes_the_sockets_on_a_within_2_seconds(floor):
    a, b, _, _ = floor
    _, token = await b.agent()
    _, other = await b.agent()
    sockets = [await a.watch(token), await a.watch(token, protocol="graphql-ws"),
               await b.watch(token)]
    bystander = await a.watch(other)
    await listening(a, b)
    start = time.monotonic()
    assert (await b.ok("mutation { logout }", token))["logout"] is True
    for ws in sockets:
        assert await close_of(ws, start + WITHIN) == (4401, "session ended: logged out")
    assert bystander.close_code is None  # another agent's socket stays open
    refused = await a.call(ME, token)
    assert refused["errors"][0]["extensions"]["reason"] == "SESSION_ENDED"
    await bystander.close()


async def test_an_idle_session_ended_by_bs_sweep_closes_the_socket_on_a(floor):
    a, b, _, clock = floor
    _, token = await b.agent()
    ws = await a.watch(token)
    await listening(a)
    clock.now = NOW + timedelta(seconds=b.services.settings.session_idle_seconds + 1)
    start = time.monotonic()
    assert (await b.services.presence.tick()).idle_sessions >= 1
    assert await close_of(ws, start + WITHIN) == (4401, "session ended: idle")


async def test_disabling_an_agent_closes_their_socket_and_refuses_them_at_once(floor):
    a, b, rows, _ = floor
    email, token = await b.agent("AGENT")
    await b.ok(STATUS, token, {"s": "AVAILABLE"})
    user = await rows.user(signature=None)
    await rows.claim(user)
    await b.services.queues.recompute([user], "test")
    assert (await b.ok(NEXT, token))["nextLead"]["__typename"] == "LeadAssigned"
    ws = await a.watch(token, UPDATES)
    await listening(a)
    start = time.monotonic()
    done = await update_agent(b.services.uow(), b.services.presence.store, b.services.events,
                              changes=AgentChanges(active=False), email=email, at=NOW)
    assert (done.sessions_ended, done.leads_released) == (1, 1)
    assert await close_of(ws, start + WITHIN) == (4401, "agent disabled")
    refused = await a.call(ME, token)
    assert refused["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED",
                                                  "reason": "AGENT_DISABLED"}
    async with a.services.pg.acquire() as conn:
        agent = await conn.fetchrow("SELECT id, status, status_reason FROM agents "
                                    "WHERE email = $1", email)
        sessions = await conn.fetch("SELECT end_reason FROM agent_sessions "
                                    "WHERE agent_id = $1", agent["id"])
        leased = await conn.fetchval("SELECT leased_to FROM queue_entries WHERE user_id = $1",
                                     user)
    assert (agent["status"], agent["status_reason"]) == ("OFFLINE", "agent disabled")
    assert [s["end_reason"] for s in sessions] == ["DISABLED"] and leased is None
    # Enabled again, the old token stays ended; a new login works.
    await update_agent(b.services.uow(), b.services.presence.store, b.services.events,
                       changes=AgentChanges(active=True), email=email, at=NOW)
    assert (await a.call(ME, token))["errors"][0]["extensions"]["reason"] == "SESSION_ENDED"
    assert (await a.ok(LOGIN, variables={"e": email, "p": PASSWORD}))["login"]["token"]


async def test_a_role_change_ends_the_session_and_a_new_login_acts_in_the_new_role(floor):
    a, b, _, _ = floor
    email, token = await b.agent("SUPERVISOR")
    assert "dashboard" in await a.ok(DASHBOARD, token)
    ws = await a.watch(token)
    await listening(a)
    start = time.monotonic()
    done = await update_agent(b.services.uow(), b.services.presence.store, b.services.events,
                              changes=AgentChanges(role="agent"), email=email, at=NOW)
    assert done.role_changed and done.sessions_ended == 1
    assert await close_of(ws, start + WITHIN) == (4401, "session ended: role changed")
    refused = await a.call(DASHBOARD, token)
    assert refused["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED",
                                                  "reason": "SESSION_ENDED"}
    again_token = (await a.ok(LOGIN, variables={"e": email, "p": PASSWORD}))["login"]["token"]
    assert (await a.ok(ME, again_token))["me"]["role"] == "AGENT"
    async with websockets.connect(f"ws://{a.address}/graphql",
                                  subprotocols=["graphql-transport-ws"]) as again:
        await again.send(json.dumps({"type": "connection_init",
                                     "payload": {"Authorization": f"Bearer {again_token}"}}))
        assert json.loads(await again.recv())["type"] == "connection_ack"
        await again.send(json.dumps({"id": "1", "type": "subscribe",
                                     "payload": {"query": ACTIVITY}}))
        refused = json.loads(await asyncio.wait_for(again.recv(), 5))
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_role_changed_by_a_re_import_closes_the_socket_too(floor):
    a, b, _, _ = floor
    email, token = await b.agent("SUPERVISOR")
    _, unchanged = await b.agent("SUPERVISOR")
    ws, stays = await a.watch(token), await a.watch(unchanged)
    await listening(a)
    start = time.monotonic()
    report = await import_agents(lambda: PgAccountsUnitOfWork(b.services.pg),
                                 b.services.hasher, b.services.presence.store,
                                 parse_agents_csv(f"email,name,role\n{email},Live,AGENT\n",
                                                  b.services.password_policy),
                                 at=NOW, events=b.services.events)
    assert report.updated == 1 and len(report.role_changed) == 1
    assert await close_of(ws, start + WITHIN) == (4401, "session ended: role changed")
    assert stays.close_code is None
    await stays.close()


# -- each websocket operation is checked like a request -----------------------------------------


async def test_an_operation_on_a_socket_whose_session_ended_unannounced_closes_it(floor):
    """A notice lost (nothing published here) and no sweep yet: the next operation on the
    socket checks the session, as every HTTP request does, and closes it."""
    a, _, _, _ = floor
    _, token = await a.agent()
    ws = await a.watch(token)
    session = a.services.tokens.verify(token).session_id
    await a.services.presence.store.end_sessions(at=NOW, reason="LOGOUT", session_id=session)
    await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": ACTIVITY}}))
    assert await close_of(ws, time.monotonic() + WITHIN) == (4401, "session ended")


async def test_an_operation_after_an_unannounced_role_change_closes_the_socket(floor):
    a, _, _, _ = floor
    email, token = await a.agent("SUPERVISOR")
    ws = await a.watch(token, protocol="graphql-ws")
    await update_agent(a.services.uow(), a.services.presence.store, None, email=email,
                       changes=AgentChanges(role="AGENT"), at=NOW)
    await ws.send(json.dumps({"id": "2", "type": "start", "payload": {"query": ACTIVITY}}))
    assert await close_of(ws, time.monotonic() + WITHIN) == (4401, "session ended")


# -- with Redis down, the sweep alone ----------------------------------------------------------


async def test_with_redis_down_a_logout_still_closes_the_socket_through_the_sweep(no_redis):
    proc, _, _ = no_redis
    _, token = await proc.agent()
    ws = await proc.watch(token)
    start = time.monotonic()
    assert (await proc.ok("mutation { logout }", token))["logout"] is True
    assert await close_of(ws, start + WITHIN) == (4401, "session ended")


async def test_with_redis_down_a_role_change_is_seen_by_the_sweep(no_redis):
    proc, _, _ = no_redis
    email, token = await proc.agent("SUPERVISOR")
    ws = await proc.watch(token)
    start = time.monotonic()
    await update_agent(proc.services.uow(), proc.services.presence.store,
                       proc.services.events, changes=AgentChanges(role="ADMIN"), email=email,
                       at=NOW)
    assert await close_of(ws, start + WITHIN) == (4401, "session ended")
    refused = await proc.call(ME, token)
    assert refused["errors"][0]["extensions"]["reason"] == "SESSION_ENDED"


async def test_a_token_expiring_closes_its_socket(no_redis):
    """Expiry is checked locally by the sweep: no notice is ever sent for it."""
    proc, _, _ = no_redis
    _, token = await proc.agent("SUPERVISOR")
    lifetime = timedelta(minutes=5)
    issued_at = datetime.now(UTC) - lifetime + timedelta(seconds=2.5)
    short = JwtTokenService(TEST_SECRET, lifetime, clock=lambda: issued_at).issue(
        proc.services.tokens.verify(token)).token  # the same live session
    expires_at = proc.services.tokens.verify(short).expires_at
    ws = await proc.watch(short)
    left = (expires_at - datetime.now(UTC)).total_seconds()
    assert left > 0  # opened before it expired
    assert await close_of(ws, time.monotonic() + left + WITHIN) == (4401, "token expired")
    assert (await proc.ok(ME, token))["me"]  # the session lives on for the longer token


# -- the command -------------------------------------------------------------------------------


async def invoke(*args: str):
    """Runs the CLI in a thread: it starts its own event loop."""
    from typer.testing import CliRunner

    from cli.main import app

    return await asyncio.get_running_loop().run_in_executor(None, CliRunner().invoke, app,
                                                            list(args))


async def test_agents_update_disables_and_changes_roles_from_the_command_line(services,
                                                                              cli_env):
    cli_env.setenv("REDIS_KEY_PREFIX", services.settings.redis_key_prefix)
    async with process(services) as proc:
        email, token = await proc.agent("AGENT")
        for args, words in (((), "nothing to change"),
                            (("--role", "boss"), "role 'boss' is not one of"),
                            (("--role", "AGENT"), "there is no agent with e-mail")):
            target = "nobody@live.example.com" if "there is no" in words else email
            refused = await invoke("agents", "update", target, *args)
            assert refused.exit_code == 2 and words in refused.output, refused.output
        assert (await proc.ok(ME, token))["me"]["role"] == "AGENT"  # nothing changed
        ws = await proc.watch(token, UPDATES)
        await listening(proc)
        done = await invoke("agents", "update", email.upper(), "--inactive")
        by = time.monotonic() + WITHIN
        assert done.exit_code == 0, done.output
        assert "disabled; 1 session(s) ended" in done.output
        assert await close_of(ws, by) == (4401, "agent disabled")
        back = await invoke("agents", "update", email, "--active", "--role", "supervisor")
        assert back.exit_code == 0 and "updated SUPERVISOR" in back.output, back.output
        assert "active" in back.output
