"""The supervisor's wallboard and reports on known data, and who may see them."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import websockets
from sqlalchemy import event

from domain.agents.sessions import Principal
from service_layer.agents import create_agent
from tests.contracts import OPERATIONS
from tests.integration.test_sessions import Api
from tests.live_server import live_server
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
CONTRACT = (OPERATIONS
            / "supervisor.graphql").read_text()
TODAY = NOW.replace(hour=0)  # NOW is in November: London is on UTC
JULY = datetime(2026, 7, 1, tzinfo=UTC)


def contract(name: str) -> str:
    """One operation of supervisor.graphql, by its name."""
    blocks = CONTRACT.split("\n\n")
    return next(b for b in blocks if re.search(rf"^(query|subscription) {name}\b", b, re.M))


DASHBOARD = """query { dashboard { dayStartsAt queues { queueType size callableNow }
  agents { agent { id name } status statusSince callsToday talkSecondsToday contactsToday
           conversionsToday textsToday }
  callsToday answeredToday talkSecondsToday dispositionsToday contactsToday contactRate
  averageHandleSeconds conversionsToday textsToday } }"""
PERFORMANCE = contract("AgentPerformance")
BREAKDOWN = contract("OutcomeBreakdown")
PERFORMANCE_MORE = ("query($from: DateTime!, $to: DateTime!) { agentPerformance(from: $from, "
                    "to: $to) { agent { id } answered dispositions contactRate } }")
PERFORMANCE_TEXTS = ("query($from: DateTime!, $to: DateTime!) { agentPerformance(from: $from, "
                     "to: $to) { agent { id automated } calls texts conversions } }")
BREAKDOWN_LABELS = ("query($from: DateTime!, $to: DateTime!, $by: OutcomeGroup!) { "
                    "outcomeBreakdown(from: $from, to: $to, by: $by) { key label outcome } }")


class Floor:
    """Writes calls, dispositions and conversions straight into the dialler database."""

    def __init__(self, services):
        self.services = services

    async def agent(self, name: str, role: str = "AGENT") -> tuple[uuid.UUID, str]:
        agent = await create_agent(self.services.uow(), self.services.hasher,
                                   policy=self.services.password_policy,
                                   email=f"{uuid.uuid4().hex[:8]}@example.com",
                                   password="long enough password", name=name, role=role,
                                   at=NOW)
        return agent.id, self.services.tokens.issue(Principal(agent.id, agent.role)).token

    async def automated_agent(self, name: str) -> uuid.UUID:
        """An AI agent: an AGENT row marked automated (it texts, never calls)."""
        agent, _ = await self.agent(name)
        async with self.services.pg.acquire() as conn:
            await conn.execute("UPDATE agents SET automated = true, texts_per_hour = 60 "
                               "WHERE id = $1", agent)
        return agent

    async def text(self, agent, at: datetime, status: str = "SENT",
                   automated: bool = False) -> None:
        """An outbound SMS to user 1, as sendSms or the AI agent stores one."""
        async with self.services.pg.acquire() as conn:
            await conn.execute(
                "INSERT INTO sms_messages (user_id, direction, body, status, to_number, "
                "agent_id, automated, created_at, updated_at) VALUES "
                "(1, 'OUTBOUND', 'hello', $1, '+447700900001', $2, $3, $4, $4)",
                status, agent, automated, at)

    async def call(self, agent, at: datetime, talk: int, direction: str = "OUTBOUND") -> None:
        async with self.services.pg.acquire() as conn:
            await conn.execute(
                "INSERT INTO calls (id, direction, status, user_id, agent_id, started_at, "
                "talk_seconds) VALUES ($1, $2, 'COMPLETED', 1, $3, $4, $5)",
                uuid.uuid4(), direction, agent, at, talk)

    async def disposition(self, agent, at: datetime, outcome: str, queue: str = "UNSIGNED",
                          user: int = 1) -> None:
        async with self.services.pg.acquire() as conn:
            await conn.execute(
                "INSERT INTO dispositions (lease_id, user_id, agent_id, queue_type, outcome, "
                "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                uuid.uuid4(), user, agent, queue, outcome, at)

    async def conversion(self, agent, at: datetime) -> None:
        async with self.services.pg.acquire() as conn:
            await conn.execute(
                "INSERT INTO conversions (dedupe_key, kind, user_id, agent_id, occurred_at) "
                "VALUES ($1, 'SIGNED', 1, $2, $3)", uuid.uuid4().hex, agent, at)

    async def entry(self, user: int, queue: str, *, next_call_after=None, due_at=None,
                    leased_to=None) -> None:
        async with self.services.pg.acquire() as conn:
            await conn.execute(
                "INSERT INTO queue_entries (user_id, queue_type, score, next_call_after, "
                "due_at, leased_to, lease_expires_at) VALUES ($1, $2, 0, $3, $4, $5, $6)",
                user, queue, next_call_after, due_at, leased_to,
                NOW + timedelta(minutes=5) if leased_to else None)


@pytest.fixture(scope="module")
async def env():
    async with queue_env() as (services, rows, clock):
        api, floor = Api(services), Floor(services)
        alice, _ = await floor.agent("Alice")
        bob, _ = await floor.agent("Bob")
        yield services, rows, clock, api, floor, alice, bob
        await api.http.aclose()


@pytest.fixture(scope="module")
async def ava(env):
    """An automated agent."""
    return await env[4].automated_agent("Ava (AI)")


@pytest.fixture(scope="module")
async def today(env, ava):
    """Known figures for today (24 November 2026, London = UTC)."""
    _, _, _, _, floor, alice, bob = env
    for talk in (120, 60, 0):
        await floor.call(alice, TODAY + timedelta(hours=9), talk)
    await floor.call(bob, TODAY + timedelta(hours=9, minutes=30), 300)
    await floor.call(None, TODAY + timedelta(hours=9, minutes=45), 0, "INBOUND")  # missed
    await floor.call(bob, TODAY - timedelta(seconds=1), 999)  # yesterday
    await floor.call(alice, TODAY + timedelta(days=1), 999)  # tomorrow
    for outcome in ("contacted", "no_answer", "busy"):
        await floor.disposition(alice, TODAY + timedelta(hours=9, minutes=5), outcome)
    await floor.disposition(bob, TODAY + timedelta(hours=9, minutes=35), "not_interested")
    await floor.disposition(alice, TODAY - timedelta(hours=1), "contacted")  # yesterday
    await floor.conversion(alice, TODAY + timedelta(hours=9, minutes=10))
    await floor.conversion(bob, TODAY - timedelta(hours=2))  # yesterday
    for status in ("DELIVERED", "SENT", "FAILED"):  # a FAILED text has not been sent
        await floor.text(alice, TODAY + timedelta(hours=9, minutes=20), status)
    for minutes in (1, 2, 3):
        await floor.text(ava, TODAY + timedelta(hours=8, minutes=minutes), automated=True)
    await floor.text(ava, TODAY - timedelta(minutes=1), automated=True)  # yesterday
    await floor.text(None, TODAY + timedelta(hours=11), automated=True)  # a follow-up
    await floor.conversion(ava, TODAY + timedelta(hours=8, minutes=30))
    await floor.entry(101, "UNSIGNED")
    await floor.entry(102, "UNSIGNED", next_call_after=NOW + timedelta(hours=1))
    await floor.entry(103, "UNSIGNED", leased_to=alice)
    await floor.entry(104, "CALLBACK", due_at=NOW + timedelta(hours=2))
    await floor.entry(105, "CALLBACK", due_at=NOW - timedelta(minutes=1))


async def test_the_dashboard_adds_up_todays_known_figures(env, ava, today):
    services, _, _, api, floor, alice, bob = env
    _, token = await floor.agent("Sue", "SUPERVISOR")
    board = (await api(DASHBOARD, token=token))["dashboard"]
    assert board["dayStartsAt"] == TODAY.isoformat()
    assert {q["queueType"]: (q["size"], q["callableNow"]) for q in board["queues"]} == {
        "UNSIGNED": (3, 1), "CALLBACK": (2, 1), "OUTSTANDING_REQUESTS": (0, 0)}
    assert {k: board[k] for k in ("callsToday", "answeredToday", "talkSecondsToday",
                                  "dispositionsToday", "contactsToday", "contactRate",
                                  "averageHandleSeconds", "conversionsToday", "textsToday")} == {
        "callsToday": 5, "answeredToday": 3, "talkSecondsToday": 480, "dispositionsToday": 4,
        "contactsToday": 2, "contactRate": 0.5, "averageHandleSeconds": 160.0,
        "conversionsToday": 2, "textsToday": 6}
    rows = {r["agent"]["id"]: r for r in board["agents"]}
    assert (rows[str(alice)]["callsToday"], rows[str(alice)]["talkSecondsToday"],
            rows[str(alice)]["contactsToday"], rows[str(alice)]["conversionsToday"]) == \
        (3, 180, 1, 1)
    assert (rows[str(bob)]["callsToday"], rows[str(bob)]["talkSecondsToday"],
            rows[str(bob)]["contactsToday"], rows[str(bob)]["conversionsToday"]) == \
        (1, 300, 1, 0)
    # texts beside calls: the person's sent ones, the automated agent's (which never calls)
    assert (rows[str(alice)]["textsToday"], rows[str(bob)]["textsToday"]) == (2, 0)
    assert (rows[str(ava)]["callsToday"], rows[str(ava)]["textsToday"],
            rows[str(ava)]["conversionsToday"]) == (0, 3, 1)
    assert rows[str(alice)]["status"] == "OFFLINE"
    # an OFFLINE supervisor with no calls today is not on the board
    names = [r["agent"]["name"] for r in board["agents"]]
    assert "Sue" not in names and names == sorted(names)


async def test_the_board_tells_an_automated_agent_from_a_person(env, ava, today):
    _, _, _, api, floor, alice, _ = env
    _, token = await floor.agent("Sue", "SUPERVISOR")
    board = await api("query { dashboard { agents { agent { id automated textsPerHour } } } }",
                      token=token)
    agents = {r["agent"]["id"]: r["agent"] for r in board["dashboard"]["agents"]}
    assert agents[str(ava)] == {"id": str(ava), "automated": True, "textsPerHour": 60}
    assert agents[str(alice)] == {"id": str(alice), "automated": False, "textsPerHour": None}


async def test_the_board_shows_live_status(env, today):
    services, _, clock, api, floor, _, _ = env
    agent, agent_token = await floor.agent("Zed")
    await api("mutation { setAgentStatus(status: PAUSED, reason: \"training\") { id } }",
              token=agent_token)
    _, token = await floor.agent("Sam", "ADMIN")
    rows = {r["agent"]["id"]: r for r in (await api(DASHBOARD, token=token))["dashboard"]
            ["agents"]}
    assert rows[str(agent)]["status"] == "PAUSED"
    assert rows[str(agent)]["statusSince"] == clock.now.isoformat()


async def _statements(services, api, token) -> int:
    counted = {"n": 0}

    def count(*_a, **_k):
        counted["n"] += 1

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    before = services.pg_statements.count + services.replica.db.statements
    try:
        await api(DASHBOARD, token=token)
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)
    return services.pg_statements.count + services.replica.db.statements - before + counted["n"]


async def test_the_dashboard_costs_the_same_statements_for_any_number_of_agents(env, today):
    services, _, _, api, floor, _, _ = env
    _, token = await floor.agent("Sid", "SUPERVISOR")
    await api(DASHBOARD, token=token)  # what a process reads once (the rules) is not counted
    few = await _statements(services, api, token)
    for i in range(25):  # agents are on the board by role; today's totals stay as they were
        await floor.agent(f"Extra {i:02d}")
    many = await _statements(services, api, token)
    board = (await api(DASHBOARD, token=token))["dashboard"]
    assert len(board["agents"]) >= 27
    # One more: every request checks its token's session and agent first.
    assert few == many <= 3


async def test_agent_performance_over_a_period(env):
    _, _, _, api, floor, alice, bob = env
    day = JULY + timedelta(days=10)
    await floor.call(alice, day + timedelta(hours=8), 100)
    await floor.call(alice, day + timedelta(hours=9), 0)
    await floor.call(alice, day + timedelta(hours=10), 50)
    await floor.disposition(alice, day + timedelta(hours=8), "going_to_complete")
    await floor.disposition(alice, day + timedelta(hours=9), "left_voicemail")
    await floor.conversion(alice, day + timedelta(hours=12))
    await floor.disposition(bob, day + timedelta(hours=8), "wrong_number")
    await floor.call(bob, day + timedelta(days=1), 500)  # after the period
    _, token = await floor.agent("Sue", "SUPERVISOR")
    period = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    rows = (await api(PERFORMANCE, period, token))["agentPerformance"]
    by_id = {r["agent"]["id"]: r for r in rows}
    assert set(by_id) == {str(alice), str(bob)}  # only agents with activity in the period
    assert {k: v for k, v in by_id[str(alice)].items() if k != "agent"} == {
        "calls": 3, "contacts": 1, "conversions": 1, "talkSeconds": 150,
        "averageHandleSeconds": 75.0}
    assert {k: v for k, v in by_id[str(bob)].items() if k != "agent"} == {
        "calls": 0, "contacts": 0, "conversions": 0, "talkSeconds": 0,
        "averageHandleSeconds": None}
    # three days around it: the grouped path (longer than two days), the same figures
    wider = {"from": (day - timedelta(days=2)).isoformat(), "to": period["to"]}
    assert sorted((await api(PERFORMANCE, wider, token))["agentPerformance"],
                  key=repr) == sorted(rows, key=repr)
    more = {r["agent"]["id"]: r for r in (await api(PERFORMANCE_MORE, period, token))
            ["agentPerformance"]}
    assert (more[str(alice)]["answered"], more[str(alice)]["dispositions"],
            more[str(alice)]["contactRate"]) == (2, 2, 0.5)


async def test_agent_performance_counts_a_persons_and_an_automated_agents_texts(env, ava):
    _, _, _, api, floor, alice, bob = env
    day = JULY + timedelta(days=60)
    await floor.call(alice, day + timedelta(hours=9), 90)
    for status in ("SENT", "UNDELIVERED", "FAILED"):
        await floor.text(alice, day + timedelta(hours=10), status)
    for hour in range(8, 12):
        await floor.text(ava, day + timedelta(hours=hour), automated=True)
    await floor.text(ava, day + timedelta(days=1), automated=True)  # after the period
    await floor.conversion(ava, day + timedelta(hours=12))
    await floor.conversion(alice, day + timedelta(hours=13))
    sue, token = await floor.agent("Sue", "SUPERVISOR")
    await floor.text(sue, day + timedelta(hours=14))  # a supervisor who only texted
    period = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    rows = (await api(PERFORMANCE_TEXTS, period, token))["agentPerformance"]
    by_id = {r["agent"]["id"]: (r["agent"]["automated"], r["calls"], r["texts"],
                                r["conversions"]) for r in rows}
    assert by_id == {str(alice): (False, 1, 2, 1), str(ava): (True, 0, 4, 1),
                     str(sue): (False, 0, 1, 0)}
    # the grouped path (longer than two days) counts the same texts
    wider = {"from": (day - timedelta(days=2)).isoformat(), "to": period["to"]}
    assert sorted((await api(PERFORMANCE_TEXTS, wider, token))["agentPerformance"],
                  key=repr) == sorted(rows, key=repr)


@pytest.mark.parametrize(("start", "end", "field", "words"), [
    ("2026-07-02T00:00:00Z", "2026-07-01T00:00:00Z", "from", "from must be before to"),
    ("2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z", "to", "at most 93 days"),
])
async def test_bad_periods_are_refused_by_name(env, start, end, field, words):
    _, _, _, api, floor, _, _ = env
    _, token = await floor.agent("Sue", "SUPERVISOR")
    for query, extra in ((PERFORMANCE, {}), (BREAKDOWN, {"by": "QUEUE"})):
        body = await api.raw(query, {"from": start, "to": end, **extra}, token)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
        assert words in body["errors"][0]["message"]


async def _breakdown(api, token, by: str, day: datetime,
                     offset: str = "") -> list[tuple[str, str, int]]:
    """One day's breakdown; ``offset`` ("+01:00") makes it that zone's day."""
    start, end = day.strftime("%Y-%m-%dT00:00:00"), (day + timedelta(days=1)).strftime(
        "%Y-%m-%dT00:00:00")
    zone = offset or "Z"
    rows = (await api(BREAKDOWN, {"from": start + zone, "to": end + zone, "by": by},
                      token))["outcomeBreakdown"]
    return [(r["key"], r["outcome"], r["count"]) for r in rows]


async def test_outcome_breakdown_by_queue_agent_and_london_hour(env):
    _, _, _, api, floor, alice, bob = env
    day = JULY + timedelta(days=20)  # 21 July: London is on BST (UTC+1)
    await floor.disposition(alice, day + timedelta(hours=8, minutes=30), "contacted")
    await floor.disposition(alice, day + timedelta(hours=8, minutes=59), "contacted",
                            "CALLBACK")
    await floor.disposition(bob, day + timedelta(hours=13), "busy")
    await floor.disposition(bob, day + timedelta(hours=23, minutes=30), "busy")  # 00:30 22nd
    _, token = await floor.agent("Sue", "SUPERVISOR")
    # the London day, 20 July 23:00 UTC to 21 July 23:00 UTC: the 23:30 UTC one is out
    assert await _breakdown(api, token, "QUEUE", day, "+01:00") == [
        ("CALLBACK", "CONTACTED", 1), ("UNSIGNED", "BUSY", 1), ("UNSIGNED", "CONTACTED", 1)]
    assert await _breakdown(api, token, "HOUR", day, "+01:00") == [
        ("09", "CONTACTED", 2), ("14", "BUSY", 1)]
    # the UTC day has it, in London's hour 00
    assert await _breakdown(api, token, "HOUR", day) == [
        ("00", "BUSY", 1), ("09", "CONTACTED", 2), ("14", "BUSY", 1)]
    assert sorted(await _breakdown(api, token, "AGENT", day, "+01:00")) == sorted([
        (str(alice), "CONTACTED", 2), (str(bob), "BUSY", 1)])
    labels = (await api(BREAKDOWN_LABELS, {"from": "2026-07-21T00:00:00+01:00",
                                           "to": "2026-07-22T00:00:00+01:00",
                                           "by": "AGENT"}, token))["outcomeBreakdown"]
    assert {r["key"]: r["label"] for r in labels} == {str(alice): "Alice", str(bob): "Bob"}


async def test_outcome_breakdown_by_lender_reads_the_replica(env):
    _, rows, _, api, floor, alice, _ = env
    day = JULY + timedelta(days=40)
    santander = await rows.user()
    await rows.claim(santander, lender="  Santander   UK", created_at=datetime(2025, 6, 1))
    await rows.claim(santander, lender="HSBC", status="complete",
                     created_at=datetime(2024, 1, 1))
    closed = await rows.user()
    await rows.claim(closed, lender=" Barclays ", status="complete")
    nothing = await rows.user()
    for user, outcome in ((santander, "contacted"), (santander, "contacted"),
                          (santander, "busy"), (closed, "not_interested"),
                          (nothing, "no_answer")):
        await floor.disposition(alice, day + timedelta(hours=10), outcome, user=user)
    _, token = await floor.agent("Ada", "ADMIN")
    assert await _breakdown(api, token, "LENDER", day) == [
        ("(no lender)", "NO_ANSWER", 1), ("barclays", "NOT_INTERESTED", 1),
        ("santander uk", "BUSY", 1), ("santander uk", "CONTACTED", 2)]


async def test_an_empty_period_has_no_rows(env):
    _, _, _, api, floor, _, _ = env
    _, token = await floor.agent("Sue", "SUPERVISOR")
    day = datetime(2026, 2, 1, tzinfo=UTC)
    assert await _breakdown(api, token, "LENDER", day) == []
    assert (await api(PERFORMANCE, {"from": day.isoformat(),
                                    "to": (day + timedelta(days=1)).isoformat()},
                      token))["agentPerformance"] == []


OPERATIONS = [
    (DASHBOARD, {}),
    (contract("Dashboard"), {}),
    (contract("SyncStatus"), {}),
    (PERFORMANCE, {"from": "2026-07-01T00:00:00Z", "to": "2026-07-02T00:00:00Z"}),
    (BREAKDOWN, {"from": "2026-07-01T00:00:00Z", "to": "2026-07-02T00:00:00Z", "by": "HOUR"}),
]


@pytest.mark.parametrize(("query", "variables"), OPERATIONS)
async def test_only_supervisors_and_admins_see_the_supervisor_view(env, query, variables):
    _, _, _, api, floor, _, _ = env
    for role in ("SUPERVISOR", "ADMIN"):
        _, token = await floor.agent("Allowed", role)
        body = await api.raw(query, variables, token)
        assert "errors" not in body, (role, body)
    for role in ("AGENT", "INTEGRATION"):
        _, token = await floor.agent("Refused", role)
        body = await api.raw(query, variables, token)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    body = await api.raw(query, variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.fixture(scope="module")
async def server_url(env):
    async with live_server(env[0]) as address:
        yield address


async def _subscribe(url: str, token: str | None) -> dict:
    """The first answer to the contract's AgentActivity subscription."""
    async with websockets.connect(f"ws://{url}/graphql",
                                  subprotocols=["graphql-transport-ws"]) as ws:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        if json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "connection_ack":
            return {"type": "refused"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": contract("AgentActivity")}}))
        try:
            return json.loads(await asyncio.wait_for(ws.recv(), 0.5))
        except TimeoutError:
            return {"type": "waiting"}  # subscribed: nothing has happened yet


async def test_only_supervisors_and_admins_watch_agent_activity(env, server_url):
    _, _, _, _, floor, _, _ = env
    for role in ("SUPERVISOR", "ADMIN"):
        assert (await _subscribe(server_url, (await floor.agent("W", role))[1]))["type"] == \
            "waiting"
    for role in ("AGENT", "INTEGRATION"):
        refused = await _subscribe(server_url, (await floor.agent("W", role))[1])
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await _subscribe(server_url, None)
    assert closed.value.rcvd.code == 4403


async def test_the_index_path_and_the_grouped_path_count_the_same(env, today):
    """Short periods read per agent through the indexes, long ones scan and group: the
    two statements must agree on every row, the unassigned one included."""
    from infrastructure.postgres.views import analytics as sql

    services = env[0]
    args = (datetime(2025, 1, 1, tzinfo=UTC), NOW + timedelta(days=2),
            list(sql.CONTACT_OUTCOMES), list(sql.SENT_TEXT_STATUSES))
    async with services.pg.acquire() as conn:
        by_index = await conn.fetch(sql._ACTIVITY, *args)
        grouped = await conn.fetch(sql._GROUPED_ACTIVITY, *args)
    rows = sorted(map(tuple, by_index), key=repr)
    assert rows == sorted(map(tuple, grouped), key=repr)
    unassigned = next(r for r in by_index if r["id"] is None)
    assert unassigned["calls"] == 1  # today's missed inbound call
    assert unassigned["texts"] == 1  # today's follow-up, which no agent sent
    assert sum(r["texts"] for r in by_index) >= 7
    assert sum(r["calls"] for r in by_index) >= 7
