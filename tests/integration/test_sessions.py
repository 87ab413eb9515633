"""Heartbeat, logout, idle sessions, pause reasons and wrap-up, through the API (fixed clock)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import timedelta

import httpx
import pytest
import websockets

from domain.agents.model import AgentStatusChanged
from domain.queue.model import QueueChanged
from graphql_api.app import create_app
from infrastructure.postgres.locks import job_lock
from service_layer.agents import create_agent
from tests.live_server import live_server
from tests.queue_env import NOW, queue_env
from tests.waiting import wait_until

pytestmark = pytest.mark.integration
PASSWORD = "a long enough password"
LOGIN = ("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { "
         "... on LoginSucceeded { token agent { id } } } }")
HEARTBEAT = "mutation { heartbeat { id startedAt lastSeenAt expiresAt idleTimeoutSeconds } }"
ME = "{ me { id status statusReason } }"
STATUS = ("mutation($s: AgentStatus!, $r: String) { setAgentStatus(status: $s, reason: $r) "
          "{ status statusReason } }")
NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } } }")
DISPOSE = ("mutation($i: DispositionInput!) { recordDisposition(input: $i) { __typename } }")


class Api:
    def __init__(self, services):
        self.services = services
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                                      base_url="http://t")

    async def raw(self, query: str, variables: dict | None = None, token: str | None = None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post("/graphql", json={"query": query,
                                                          "variables": variables or {}},
                                        headers=headers)
        return response.json()

    async def __call__(self, query: str, variables: dict | None = None,
                       token: str | None = None) -> dict:
        body = await self.raw(query, variables, token)
        assert "errors" not in body, body
        return body["data"]

    async def login(self, role: str = "AGENT", email: str | None = None):
        """A new agent (or an existing e-mail) logged in: (agent id, token with a session)."""
        if email is None:
            email = f"{uuid.uuid4().hex[:8]}@example.com"
            await create_agent(self.services.uow(), self.services.hasher,
                               policy=self.services.password_policy, email=email,
                               password=PASSWORD, name="Agent " + email[:4], role=role, at=NOW)
        data = (await self(LOGIN, {"e": email, "p": PASSWORD}))["login"]
        return uuid.UUID(data["agent"]["id"]), data["token"], email


@pytest.fixture(scope="module")
async def env():
    async with queue_env() as built:
        api = Api(built[0])
        yield (*built, api)
        await api.http.aclose()


@pytest.fixture(autouse=True)
async def _fresh_start(env):
    """Each test starts at NOW with an empty queue (leads of earlier tests gone)."""
    env[2].now = NOW
    async with env[0].pg.acquire() as conn:
        await conn.execute("DELETE FROM queue_entries")


@contextlib.asynccontextmanager
async def events(services, event_type: type):
    """Collects the payloads published on one event channel while the block runs."""
    got: list[dict] = []
    listening = asyncio.Event()

    async def pump():
        async with services.events.listen_wire(event_type) as stream:
            listening.set()  # the reader's cursor is fixed here, not at its first read
            async for payload in stream:
                got.append(json.loads(payload))

    task = asyncio.create_task(pump())
    assert await services.events.wait_connected()
    await asyncio.wait_for(listening.wait(), 5)
    try:
        yield got
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _session(services, token_agent: uuid.UUID):
    async with services.pg.acquire() as conn:
        return await conn.fetch("SELECT * FROM agent_sessions WHERE agent_id = $1 "
                                "ORDER BY started_at, id", token_agent)


async def _lead(env, token: str) -> tuple[str, int]:
    services, rows, _, api = env
    user = await rows.user(signature=None)
    await rows.claim(user)
    await services.queues.recompute([user], "test")
    assignment = (await api(NEXT, token=token))["nextLead"]["assignment"]
    assert assignment["user"]["id"] == str(user)
    return assignment["id"], user


async def test_heartbeat_moves_last_seen_and_says_the_idle_timeout(env):
    services, _, clock, api = env
    agent, token, _ = await api.login()
    clock.now = NOW + timedelta(seconds=45)
    beat = (await api(HEARTBEAT, token=token))["heartbeat"]
    assert beat["startedAt"] == NOW.isoformat()
    assert beat["lastSeenAt"] == clock.now.isoformat()
    assert beat["idleTimeoutSeconds"] == 120
    (row,) = await _session(services, agent)
    assert str(row["id"]) == beat["id"] and row["last_seen_at"] == clock.now


async def test_logout_ends_the_session_and_the_token_stops_working(env):
    services, _, _, api = env
    agent, token, email = await api.login()
    _, other_token, _ = await api.login(email=email)  # a second session of the same agent
    await api(STATUS, {"s": "AVAILABLE"}, token)
    assert (await api("mutation { logout }", token=token))["logout"] is True
    refused = await api.raw(ME, token=token)
    assert refused["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED",
                                                  "reason": "SESSION_ENDED"}
    assert (await api.raw(HEARTBEAT, token=token))["errors"][0]["extensions"]["code"] == \
        "UNAUTHENTICATED"
    # the other session still works, and the agent keeps their status while it lives
    assert (await api(ME, token=other_token))["me"]["status"] == "AVAILABLE"
    reasons = {s["id"]: s["end_reason"] for s in await _session(services, agent)}
    assert reasons == {services.tokens.verify(token).session_id: "LOGOUT",
                       services.tokens.verify(other_token).session_id: None}


async def test_logging_out_of_the_last_session_goes_offline_and_returns_the_lead(env):
    services, _, _, api = env
    agent, token, _ = await api.login()
    await api(STATUS, {"s": "AVAILABLE"}, token)
    _, user = await _lead(env, token)
    async with events(services, QueueChanged) as queue_events:
        assert (await api("mutation { logout }", token=token))["logout"] is True
        await wait_until(lambda: any(e["user_id"] == user for e in queue_events),
                         "the user's queue event arrived", timeout=5)
    released = next(e for e in queue_events if e["user_id"] == user)
    assert (released["kind"], released["from_queue"], released["to_queue"]) == (
        "RESCORED", "UNSIGNED", "UNSIGNED")
    assert "agent session closed" in released["reason"]
    async with services.pg.acquire() as conn:
        status = tuple(await conn.fetchrow("SELECT status, status_reason FROM agents "
                                           "WHERE id = $1", agent))
        entry = await conn.fetchrow("SELECT leased_to, lease_id FROM queue_entries "
                                    "WHERE user_id = $1", user)
        lease = await conn.fetchrow("SELECT ended_at, end_reason FROM leases "
                                    "WHERE user_id = $1", user)
    assert status == ("OFFLINE", "logged out")
    assert (entry["leased_to"], entry["lease_id"]) == (None, None)
    assert (lease["ended_at"], lease["end_reason"]) == (NOW, "agent session closed")


async def test_two_sessions_ending_at_once_leave_the_agent_offline(env):
    services, _, _, api = env
    for _ in range(5):  # a race: try it a few times
        agent, one, email = await api.login()
        _, two, _ = await api.login(email=email)
        await api(STATUS, {"s": "AVAILABLE"}, one)
        await asyncio.gather(api("mutation { logout }", token=one),
                             api("mutation { logout }", token=two))
        async with services.pg.acquire() as conn:
            assert await conn.fetchval("SELECT status FROM agents WHERE id = $1",
                                       agent) == "OFFLINE"


async def test_idle_sessions_close_on_the_timer_and_release_the_lead(env):
    services, _, clock, api = env
    idle_agent, idle_token, _ = await api.login()
    busy_agent, busy_token, _ = await api.login()
    await api(STATUS, {"s": "AVAILABLE"}, idle_token)
    await api(STATUS, {"s": "AVAILABLE"}, busy_token)
    _, user = await _lead(env, idle_token)
    clock.now = NOW + timedelta(seconds=100)
    await api(HEARTBEAT, token=busy_token)
    clock.now = NOW + timedelta(seconds=119)
    assert (await services.presence.tick()).idle_sessions == 0  # not yet two minutes
    clock.now = NOW + timedelta(seconds=121)
    async with events(services, AgentStatusChanged) as activity:
        report = await services.presence.tick()
        await wait_until(lambda: any(e["agent_id"] == str(idle_agent) for e in activity),
                         "the idle agent's activity arrived", timeout=5)
    assert report.idle_sessions >= 1 and report.leads_released >= 1
    change = next(e for e in activity if e["agent_id"] == str(idle_agent))
    assert (change["previous"], change["status"], change["reason"]) == (
        "AVAILABLE", "OFFLINE", "no heartbeat")
    assert not any(e["agent_id"] == str(busy_agent) for e in activity)
    refused = await api.raw(ME, token=idle_token)
    assert refused["errors"][0]["extensions"]["reason"] == "SESSION_ENDED"
    assert (await api(ME, token=busy_token))["me"]["status"] == "AVAILABLE"
    assert (await _session(services, idle_agent))[0]["end_reason"] == "IDLE"
    # the released lead goes to the next agent who asks
    taken = (await api(NEXT, token=busy_token))["nextLead"]["assignment"]
    assert taken["user"]["id"] == str(user)


async def test_an_agent_with_another_live_session_stays_signed_in(env):
    services, _, clock, api = env
    agent, old_token, email = await api.login()
    await api(STATUS, {"s": "AVAILABLE"}, old_token)
    clock.now = NOW + timedelta(seconds=100)
    _, new_token, _ = await api.login(email=email)
    clock.now = NOW + timedelta(seconds=150)
    await services.presence.tick()
    assert [s["end_reason"] for s in await _session(services, agent)] == ["IDLE", None]
    assert (await api(ME, token=new_token))["me"]["status"] == "AVAILABLE"


async def test_only_one_process_runs_the_sweep_at_a_time(env):
    services, _, clock, api = env
    agent, _, _ = await api.login()
    clock.now = NOW + timedelta(minutes=5)
    async with job_lock(services.pg, "agent-presence") as held:
        assert held
        assert (await services.presence.tick()).idle_sessions == 0
        assert (await _session(services, agent))[0]["ended_at"] is None
    assert (await services.presence.tick()).idle_sessions >= 1


async def test_pause_needs_a_reason_from_the_configured_list(env):
    _, _, _, api = env
    _, token, _ = await api.login()
    reasons = (await api("{ pauseReasons }", token=token))["pauseReasons"]
    assert "lunch" in reasons and "comfort break" in reasons
    for reason, words in ((None, "PAUSED needs a reason"),
                          ("napping", "reason 'napping' is not a pause reason")):
        body = await api.raw(STATUS, {"s": "PAUSED", "r": reason}, token)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "reason"}
        assert words in body["errors"][0]["message"]
    assert (await api(ME, token=token))["me"]["status"] == "OFFLINE"  # nothing changed
    paused = (await api(STATUS, {"s": "PAUSED", "r": "  LUNCH "}, token))["setAgentStatus"]
    assert paused == {"status": "PAUSED", "statusReason": "lunch"}


async def test_wrap_up_follows_a_disposition_then_ends_on_time(env):
    services, _, clock, api = env
    agent, token, _ = await api.login()
    await api(STATUS, {"s": "AVAILABLE"}, token)
    lease, _ = await _lead(env, token)
    async with events(services, AgentStatusChanged) as activity:
        done = await api(DISPOSE, {"i": {"assignmentId": lease, "outcome": "NO_ANSWER"}},
                         token)
        assert done["recordDisposition"]["__typename"] == "DispositionRecorded"
        assert (await api(ME, token=token))["me"]["status"] == "WRAP_UP"
        clock.now = NOW + timedelta(seconds=29)
        await services.presence.tick()
        assert (await api(ME, token=token))["me"]["status"] == "WRAP_UP"
        clock.now = NOW + timedelta(seconds=30)
        await services.presence.tick()
        assert (await api(ME, token=token))["me"]["status"] == "AVAILABLE"
        await wait_until(lambda: len([e for e in activity if e["agent_id"] == str(agent)]) == 2,
                         "two activity events of the agent", timeout=5)
    mine = [(e["previous"], e["status"], e["reason"]) for e in activity
            if e["agent_id"] == str(agent)]
    assert mine == [("AVAILABLE", "WRAP_UP", "after a disposition"),
                    ("WRAP_UP", "AVAILABLE", "wrap-up time over")]
    async with services.pg.acquire() as conn:
        history = await conn.fetch("SELECT previous_status, status, reason, occurred_at FROM "
                                   "agent_status_history WHERE agent_id = $1 ORDER BY id",
                                   agent)
    assert [(h[0], h[1], h[2]) for h in history][-2:] == mine
    assert history[-1]["occurred_at"] == NOW + timedelta(seconds=30)


async def test_asking_for_a_lead_or_a_status_ends_wrap_up_at_once(env):
    _, _, _, api = env
    _, token, _ = await api.login()
    await api(STATUS, {"s": "AVAILABLE"}, token)
    lease, _ = await _lead(env, token)
    await api(DISPOSE, {"i": {"assignmentId": lease, "outcome": "CONTACTED"}}, token)
    assert (await api(ME, token=token))["me"]["status"] == "WRAP_UP"
    await api(NEXT, token=token)
    me = (await api(ME, token=token))["me"]
    assert (me["status"], me["statusReason"]) == ("AVAILABLE", "asked for the next lead")
    lease, _ = await _lead(env, token)
    await api(DISPOSE, {"i": {"assignmentId": lease, "outcome": "BUSY"}}, token)
    paused = (await api(STATUS, {"s": "PAUSED", "r": "break"}, token))["setAgentStatus"]
    assert paused["status"] == "PAUSED"


async def test_no_wrap_up_when_it_is_configured_off():
    async with queue_env(wrap_up_seconds=0) as (services, rows, _):
        api = Api(services)
        try:
            _, token, _ = await api.login()
            await api(STATUS, {"s": "AVAILABLE"}, token)
            lease, _ = await _lead((services, rows, None, api), token)
            await api(DISPOSE, {"i": {"assignmentId": lease, "outcome": "BUSY"}}, token)
            assert (await api(ME, token=token))["me"]["status"] == "AVAILABLE"
        finally:
            await api.http.aclose()


async def test_tokens_minted_without_a_session_keep_working(env):
    """Server-minted tokens (tests, integrations) carry no session: nothing to end."""
    services, _, _, api = env
    agent = await create_agent(services.uow(), services.hasher,
                               policy=services.password_policy, email="nosid@example.com",
                               password=PASSWORD, name="No Session", role="AGENT", at=NOW)
    from domain.agents.sessions import Principal

    token = services.tokens.issue(Principal(agent.id, agent.role)).token
    assert (await api("mutation { logout }", token=token))["logout"] is False
    body = await api.raw(HEARTBEAT, token=token)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT",
                                               "field": "Authorization"}
    assert (await api(ME, token=token))["me"]["id"] == str(agent.id)


async def test_a_logged_out_token_cannot_open_a_websocket(env):
    services, _, _, api = env
    _, token, _ = await api.login("SUPERVISOR")

    async def connect(address: str) -> dict:
        async with websockets.connect(f"ws://{address}/graphql",
                                      subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {token}"}}))
            return json.loads(await asyncio.wait_for(ws.recv(), 5))

    async with live_server(services) as address:
        assert (await connect(address))["type"] == "connection_ack"
        await api("mutation { logout }", token=token)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await connect(address)
        assert closed.value.rcvd.code == 4403  # the same token was accepted before logout
