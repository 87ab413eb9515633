"""Rate limits against the real Redis: login back-off per (e-mail, address), aliased logins,
SMS and link limits shared by two API processes, the per-request budget over HTTP and
websockets, and per-process limits while Redis is down."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid

import httpx
import pytest
import websockets

from domain.agents.ports import PasswordHasher
from domain.limits.rates import Quota
from graphql_api.app import create_app
from infrastructure.redis.rate_limits import LimitsRateLimiter
from service_layer.rate_limits import RateLimits, login_subject
from tests import services as svc
from tests.conftest import error_codes
from tests.live_server import live_server

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"
LOGIN = ("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename "
         "... on LoginSucceeded { token } } }")
SEND_SMS = ("mutation($u: ID!) { sendSms(userId: $u, body: \"Hello from RMC\") { __typename } }")
SEND_LINK = ("mutation($u: ID!) { sendMagicLink(userId: $u, purpose: SIGN, channel: SMS) "
             "{ __typename } }")
ME = "{ me { id status } }"
ACTIVITY = "subscription { agentActivity { agentId status } }"
PAUSE = "mutation { setAgentStatus(status: PAUSED, reason: \"training\") { status } }"
# Waits far longer than any test runs: nothing here depends on how fast the machine is.
LONG_WAITS = {"login_backoff_base_seconds": 3600, "login_backoff_max_seconds": 7200}


@pytest.fixture
def own_limits(services, monkeypatch):
    """Installs limits of the test's own (settings overridden, counters under a fresh key
    prefix) on the session's services; returns them."""
    def install(**overrides) -> RateLimits:
        prefix = f"{services.settings.redis_key_prefix}{uuid.uuid4().hex[:8]}:"
        policy = services.settings.model_copy(update=overrides).rate_policy
        limits = RateLimits(LimitsRateLimiter(services.redis, prefix), policy)
        for part, value in vars(limits).items():
            monkeypatch.setattr(services.rate_limits, part, value)
        return limits

    return install


@contextlib.asynccontextmanager
async def client_at(services, address: str):
    """The in-process app as a client at ``address`` sees it."""
    transport = httpx.ASGITransport(app=create_app(services), client=(address, 40_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


async def post(http: httpx.AsyncClient, query: str, variables: dict | None = None,
               token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}},
                               headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def login(http: httpx.AsyncClient, email: str, password: str) -> str:
    """The answer's __typename, or the error code."""
    body = await post(http, LOGIN, {"e": email, "p": password})
    if body.get("errors"):
        return error_codes(body)[0]
    return body["data"]["login"]["__typename"]


def assert_rate_limited(body: dict) -> None:
    assert error_codes(body) == ["RATE_LIMITED"], body
    retry = body["errors"][0]["extensions"]["retryAfterSeconds"]
    assert isinstance(retry, int) and retry >= 1, body
    assert body.get("data") is None, body


async def sessions_of(services, agent_id: uuid.UUID) -> int:
    return await services.pg.fetchval("SELECT count(*) FROM agent_sessions WHERE agent_id = $1",
                                      agent_id)


# -- login ----------------------------------------------------------------------------------


async def test_five_failures_back_off_that_email_from_that_address_only(
        services, own_limits, make_agent, monkeypatch):
    own_limits(**LONG_WAITS)
    ann, _ = await make_agent()
    bob, _ = await make_agent()
    checked: list[str] = []
    real_verify = services.hasher.verify
    monkeypatch.setattr(services.hasher, "verify",
                        lambda h, p: checked.append(p) or real_verify(h, p))
    async with client_at(services, "10.20.0.1") as office, \
            client_at(services, "10.20.0.2") as home:
        for attempt in range(5):
            assert await login(office, ann.email.upper(), f"wrong {attempt}") == "LoginFailed"
        checked.clear()
        body = await post(office, LOGIN, {"e": ann.email, "p": PASSWORD})
        assert_rate_limited(body)
        assert checked == []  # refused before the password was looked at
        assert await sessions_of(services, ann.id) == 0
        # Ann from elsewhere, and Bob behind the same office address, are not held back.
        assert await login(home, ann.email, PASSWORD) == "LoginSucceeded"
        assert await login(office, bob.email, PASSWORD) == "LoginSucceeded"
        assert await login(office, ann.email, PASSWORD) == "RATE_LIMITED"


async def test_a_success_starts_the_pair_afresh(services, own_limits, make_agent):
    own_limits(**LONG_WAITS)
    ann, _ = await make_agent()
    async with client_at(services, "10.21.0.1") as office:
        for _ in range(4):
            assert await login(office, ann.email, "wrong") == "LoginFailed"
        assert await login(office, ann.email, PASSWORD) == "LoginSucceeded"
        for _ in range(5):
            assert await login(office, ann.email, "wrong") == "LoginFailed"
        assert await login(office, ann.email, PASSWORD) == "RATE_LIMITED"


async def test_aliased_logins_in_one_request_count_one_by_one(services, own_limits,
                                                             make_agent):
    limits = own_limits(**LONG_WAITS)
    ann, _ = await make_agent()
    fields = " ".join(f'{name}: login(email: $e, password: "wrong {name}") {{ __typename }}'
                      for name in "abcdefgh")
    aliased = f"mutation($e: String!) {{ {fields} }}"
    async with client_at(services, "10.22.0.1") as office:
        for _ in range(3):
            assert await login(office, ann.email, "wrong") == "LoginFailed"
        body = await post(office, aliased, {"e": ann.email})
    # The 4th and 5th failures were a and b; c was refused, and nothing after it ran.
    assert_rate_limited(body)
    assert body["errors"][0]["path"] == ["c"]
    failures = Quota(limits.policy.login.failures, login_subject(ann.email, "10.22.0.1"))
    assert await limits.limiter.used(failures) == 5


# -- SMS and links across processes ---------------------------------------------------------


@contextlib.asynccontextmanager
async def api_processes(settings, count: int, **overrides):
    """``count`` API processes' own wiring (each its own memory and live server), on the
    same databases and Redis; yields [(services, http client)]."""
    from infrastructure.bootstrap import bootstrap

    shared = settings.model_copy(update={
        "redis_key_prefix": f"{settings.redis_key_prefix}{uuid.uuid4().hex[:8]}:",
        "pg_pool_size": 4, **overrides})
    async with contextlib.AsyncExitStack() as stack:
        processes = []
        for _ in range(count):
            services = await bootstrap(shared)
            stack.push_async_callback(services.close)
            address = await stack.enter_async_context(live_server(services))
            http = await stack.enter_async_context(
                httpx.AsyncClient(base_url=f"http://{address}"))
            processes.append((services, http))
        yield processes
    await svc.delete_redis_keys(shared.redis_key_prefix)


async def sms_count(services, user_id: int) -> int:
    return await services.pg.fetchval("SELECT count(*) FROM sms_messages WHERE user_id = $1",
                                      user_id)


async def test_sms_limits_hold_across_two_api_processes(settings, replica_rows, make_agent):
    users = [await replica_rows.user(first_name=f"Limited{n}") for n in range(3)]
    _, token = await make_agent("SUPERVISOR")
    async with api_processes(settings, 2, rate_sms_per_user_per_minute=2,
                             rate_sms_per_agent_per_minute=3) as [(one, a), (_, b)]:
        sent = [await post(http, SEND_SMS, {"u": str(users[0])}, token) for http in (a, b)]
        assert [s["data"]["sendSms"]["__typename"] for s in sent] == ["SmsQueued"] * 2, sent
        assert_rate_limited(await post(a, SEND_SMS, {"u": str(users[0])}, token))
        # That refusal took nothing from the agent's 3: a third user still gets one...
        third = await post(b, SEND_SMS, {"u": str(users[1])}, token)
        assert third["data"]["sendSms"]["__typename"] == "SmsQueued", third
        # ...and then the agent's minute is full, whichever process asks.
        assert_rate_limited(await post(a, SEND_SMS, {"u": str(users[2])}, token))
        assert [await sms_count(one, u) for u in users] == [2, 1, 0]


async def test_magic_link_limits_hold_across_two_api_processes(settings, replica_rows,
                                                               make_agent):
    user = await replica_rows.user(first_name="Linked")
    _, token = await make_agent("SUPERVISOR")
    # The per-user hourly limit in PostgreSQL (3) is not reached: this refusal is Redis's.
    async with api_processes(settings, 2, rate_links_per_user_per_minute=2) as [(one, a),
                                                                              (_, b)]:
        sent = [await post(http, SEND_LINK, {"u": str(user)}, token) for http in (a, b)]
        assert [s["data"]["sendMagicLink"]["__typename"] for s in sent] == [
            "MagicLinkSent"] * 2, sent
        assert_rate_limited(await post(b, SEND_LINK, {"u": str(user)}, token))
        assert await one.pg.fetchval("SELECT count(*) FROM magic_links WHERE user_id = $1",
                                     user) == 2


async def test_with_redis_down_limits_hold_in_each_process(settings, replica_rows, make_agent):
    user = await replica_rows.user(first_name="Degraded")
    _, token = await make_agent("SUPERVISOR")
    nowhere = f"redis://127.0.0.1:{svc.free_port()}/0"
    async with api_processes(settings, 2, redis_url=nowhere, rate_sms_per_user_per_minute=2,
                             **LONG_WAITS) as [(one, a), (_, b)]:
        for _ in range(2):
            body = await post(a, SEND_SMS, {"u": str(user)}, token)
            assert body["data"]["sendSms"]["__typename"] == "SmsQueued", body
        assert_rate_limited(await post(a, SEND_SMS, {"u": str(user)}, token))
        # Degraded: the other process counts on its own (never open, never shared).
        body = await post(b, SEND_SMS, {"u": str(user)}, token)
        assert body["data"]["sendSms"]["__typename"] == "SmsQueued", body
        assert await sms_count(one, user) == 3
        # The login back-off holds too.
        for _ in range(5):
            assert await login(a, "nobody@example.com", "wrong") == "LoginFailed"
        assert await login(a, "nobody@example.com", "wrong") == "RATE_LIMITED"


# -- every operation's budget ---------------------------------------------------------------


async def _recv(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), 10))


async def _first_ended(ws) -> list[dict]:
    """The first two messages of the first operation to end (the others' events pass by
    meanwhile, none of them an error)."""
    found: dict[str, list[dict]] = {}
    while True:
        message = await _recv(ws)
        answers = found.setdefault(message.get("id"), [])
        answers.append(message)
        if message["type"] == "complete":
            return answers[:2]
        assert message["type"] == "next" and ("errors" not in message["payload"]
                                              or len(answers) == 1), message


async def test_every_operation_spends_the_agents_budget_over_http_and_websockets(
        services, own_limits, make_agent):
    own_limits(rate_requests_per_agent_per_minute=3)
    agent, token = await make_agent("SUPERVISOR")
    _, other = await make_agent("SUPERVISOR")
    async with live_server(services) as address, \
            httpx.AsyncClient(base_url=f"http://{address}") as http, \
            websockets.connect(f"ws://{address}/graphql",
                               subprotocols=["graphql-transport-ws"]) as ws:
        assert "errors" not in await post(http, ME, token=token)  # 1
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        assert (await _recv(ws))["type"] == "connection_ack"
        for n in ("2", "3", "4"):
            await ws.send(json.dumps({"id": n, "type": "subscribe",
                                      "payload": {"query": ACTIVITY}}))
        # The three start concurrently: whichever reaches the limiter last is refused.
        refused, ended = await _first_ended(ws)
        assert refused["id"] in ("2", "3", "4") and refused["type"] == "next"
        assert ended == {"id": refused["id"], "type": "complete"}
        assert_rate_limited(refused["payload"])
        # A refused mutation changes nothing; another agent's budget is their own.
        assert_rate_limited(await post(http, PAUSE, token=token))
        assert (await services.agent_profiles.get(agent.id)).status.value == "OFFLINE"
        assert "errors" not in await post(http, ME, token=other)


async def test_requests_without_a_token_spend_their_addresses_budget(services, own_limits,
                                                                    make_agent):
    own_limits(rate_requests_per_address_per_minute=2)
    _, token = await make_agent()
    async with client_at(services, "10.23.0.1") as office, \
            client_at(services, "10.23.0.2") as elsewhere:
        for _ in range(2):
            assert "errors" not in await post(office, "{ __typename }")
        assert_rate_limited(await post(office, "{ __typename }"))
        assert "errors" not in await post(elsewhere, "{ __typename }")
        assert "errors" not in await post(office, ME, token=token)  # an agent's own budget


# -- argon2 off the event loop --------------------------------------------------------------


class HeldVerify(PasswordHasher):
    """A verify that waits to be let go; where it runs decides what finishes first."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.started = asyncio.Event()
        self.release = threading.Event()
        self.order: list[str] = []

    def hash(self, password: str) -> str:
        return "unused"

    def verify(self, password_hash, password: str) -> bool:
        self.loop.call_soon_threadsafe(self.started.set)
        # On the loop's thread this would freeze the loop until the timeout: then the
        # verify finishes first and the test fails rather than hangs.
        self.release.wait(timeout=10)
        self.order.append("verify finished")
        return False


async def test_a_login_being_checked_does_not_hold_up_other_requests(services, gql,
                                                                    make_agent, monkeypatch):
    _, token = await make_agent()
    held = HeldVerify(asyncio.get_running_loop())
    monkeypatch.setattr(services.hasher, "verify", held.verify)
    attempt = asyncio.create_task(gql(LOGIN, {"e": "someone@example.com", "p": "guess"}))
    await asyncio.wait_for(held.started.wait(), 10)
    answered = await gql(ME, token=token)
    held.order.append("me answered")
    held.release.set()
    assert (await attempt)["data"]["login"]["__typename"] == "LoginFailed"
    assert "errors" not in answered
    assert held.order == ["me answered", "verify finished"]
