"""The access rule on every contract operation that reaches a user.

docs/api-conventions.md, "Who may see a user", states the rule.

An agent who works on the user is answered; one who does not gets FORBIDDEN, and nothing
of the user is anywhere in the answer. Supervisors see everyone.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
import websockets
from graphql import OperationDefinitionNode, parse, print_ast

from tests.contracts import OPERATIONS
from tests.integration.test_sms import sms_env
from tests.live_server import live_server
from tests.queue_env import NOW

pytestmark = pytest.mark.integration

NAME, PHONE, EMAIL = "Ottoline", "07911 700123", "ottoline.private@example.com"


def _operations() -> dict[str, str]:
    found = {}
    for path in OPERATIONS.glob("*.graphql"):
        for node in parse(path.read_text()).definitions:
            if isinstance(node, OperationDefinitionNode) and node.name:
                found[node.name.value] = print_ast(node)
    return found


OPS = _operations()


@pytest.fixture(scope="module")
async def env():
    async with sms_env() as built:
        yield built


@pytest.fixture(scope="module")
async def floor(env):
    """User U, leased to agent A by nextLead; agent B works on nobody."""
    rows = env.rows
    user = await rows.user(first_name=NAME, phone_number=PHONE, email=EMAIL)
    await rows.address(user, full_address="9 Private Lane, York")
    await rows.claim(user)
    await env.services.queues.rebuild()
    tokens = {}
    for name, role in (("A", "AGENT"), ("B", "AGENT"), ("C", "AGENT"), ("S", "SUPERVISOR"),
                       ("I", "INTEGRATION")):
        agent, token = await env.api.agent(role)
        tokens[name], tokens[name + "_id"] = token, agent.id
    lead = await ask(env, "NextLead", {"type": "UNSIGNED"}, tokens["A"])
    assert lead["data"]["nextLead"]["assignment"]["user"]["firstName"] == NAME
    return user, tokens


@pytest.fixture(autouse=True)
def _reset(env):
    env.clock.now = NOW


async def ask(env, operation: str, variables: dict, token: str) -> dict:
    response = await env.api.http.post(
        "/graphql", json={"query": OPS[operation], "variables": variables,
                          "operationName": operation},
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", ())}


def assert_refused(body: dict, field: str) -> None:
    assert codes(body) == {"FORBIDDEN"}, body
    assert (body.get("data") or {}).get(field) is None, body
    text = json.dumps(body)
    for private in (NAME, PHONE, EMAIL, "Private Lane"):
        assert private not in text, body


def assert_answered(body: dict) -> None:
    assert "errors" not in body, body


READS = [
    ("UserContext", "userContext", lambda u: {"userId": str(u)}),
    ("UserCalls", "calls", lambda u: {"userId": str(u), "first": 10}),
    ("Conversation", "conversation", lambda u: {"userId": str(u), "first": 10}),
    ("MagicLinks", "magicLinks", lambda u: {"userId": str(u)}),
    ("ExplainScore", "explainScore", lambda u: {"userId": str(u)}),
]


@pytest.mark.parametrize(("operation", "field", "variables"), READS)
async def test_a_read_answers_who_works_on_the_user_and_refuses_who_does_not(
        env, floor, operation, field, variables):
    user, tokens = floor
    assert_answered(await ask(env, operation, variables(user), tokens["A"]))
    assert_answered(await ask(env, operation, variables(user), tokens["S"]))
    assert_refused(await ask(env, operation, variables(user), tokens["B"]), field)


async def test_contexts_are_read_by_the_main_application_and_refused_to_agents_together(
        env, floor):
    user, tokens = floor
    query = "query($ids: [ID!]!) { userContexts(userIds: $ids) { user { id firstName } } }"
    for token, refused in ((tokens["I"], False), (tokens["A"], False), (tokens["B"], True)):
        response = await env.api.http.post("/graphql", json={
            "query": query, "variables": {"ids": [str(user)]}},
            headers={"Authorization": f"Bearer {token}"})
        body = response.json()
        if refused:
            assert_refused(body, "userContexts")
        else:
            assert body["data"]["userContexts"][0]["user"]["firstName"] == NAME
    # The main application's account reads contexts only: no conversation, no calls.
    assert_refused(await ask(env, "Conversation", {"userId": str(user), "first": 5},
                             tokens["I"]), "conversation")


async def test_a_user_who_does_not_exist_is_refused_too(env, floor):
    _, tokens = floor
    body = await ask(env, "UserContext", {"userId": "987654321"}, tokens["B"])
    assert codes(body) == {"FORBIDDEN"}
    body = await ask(env, "UserContext", {"userId": "987654321"}, tokens["S"])
    assert body["data"]["userContext"] is None and "errors" not in body


async def test_a_queue_page_shows_positions_and_scores_but_only_the_users_worked_on(env, floor):
    user, tokens = floor
    other = await env.rows.user(first_name="Somebody", phone_number="07911 700999")
    await env.rows.claim(other)
    await env.services.queues.recompute([other], "test")
    page = {"type": "UNSIGNED", "first": 50}
    body = await ask(env, "QueuePage", page, tokens["B"])
    assert codes(body) == {"FORBIDDEN"}
    edges = body["data"]["queue"]["edges"]
    assert edges and all(e["node"]["user"] is None and e["node"]["score"] is not None
                         for e in edges)
    assert NAME not in json.dumps(body) and "Somebody" not in json.dumps(body)
    assert len(body["errors"]) == len(edges)
    assert {tuple(e["path"][-1:]) for e in body["errors"]} == {("user",)}
    # A sees their own lead's user in the queue, and only theirs.
    body = await ask(env, "QueuePage", page, tokens["A"])
    users = {e["node"]["user"]["id"] for e in body["data"]["queue"]["edges"]
             if e["node"]["user"]}
    assert users == {str(user)} or users == set()  # leased users leave the callable page
    assert "Somebody" not in json.dumps(body)
    body = await ask(env, "QueuePage", page, tokens["S"])
    assert_answered(body)
    assert "Somebody" in json.dumps(body)
    # Without the users the page is no personal data: answered whole.
    no_users = "query { queue(type: UNSIGNED, first: 50) { totalCount edges { node { score } } } }"
    response = await env.api.http.post("/graphql", json={"query": no_users},
                                       headers={"Authorization": f"Bearer {tokens['B']}"})
    assert "errors" not in response.json()


async def test_texts_and_links_go_only_to_users_the_agent_works_on(env, floor):
    user, tokens = floor
    before = await env.services.pg.fetchval("SELECT count(*) FROM sms_messages")
    sms = {"userId": str(user), "body": "Hello from the dialler"}
    refused = await ask(env, "SendSms", sms, tokens["B"])
    assert_refused(refused, "sendSms")
    link = {"userId": str(user), "purpose": "SIGN", "channel": "SMS"}
    assert_refused(await ask(env, "SendMagicLink", link, tokens["B"]), "sendMagicLink")
    assert await env.services.pg.fetchval("SELECT count(*) FROM sms_messages") == before
    sent = await ask(env, "SendSms", sms, tokens["A"])
    assert sent["data"]["sendSms"]["__typename"] == "SmsQueued", sent


async def test_contact_ties_an_agent_for_work_on_hours_and_a_ring_while_it_rings(env, floor):
    user, tokens = floor
    context = {"userId": str(user)}
    assert_refused(await ask(env, "UserContext", context, tokens["C"]), "userContext")
    await env.api.works_on(tokens["C_id"], user, at=NOW - timedelta(hours=23))
    assert_answered(await ask(env, "UserContext", context, tokens["C"]))
    env.clock.now = NOW + timedelta(hours=2)  # 25 h after that call
    assert_refused(await ask(env, "UserContext", context, tokens["C"]), "userContext")

    rung, ringing = await env.api.agent()
    call_id = uuid.uuid4()
    await env.services.pg.execute(
        "INSERT INTO calls (id, direction, status, user_id, started_at, updated_at) "
        "VALUES ($1, 'INBOUND', 'RINGING', $2, $3, $3)", call_id, user, env.clock.now)
    await env.services.pg.execute(
        "INSERT INTO call_rings (call_id, agent_id, rang_at) VALUES ($1, $2, $3)",
        call_id, rung.id, env.clock.now)
    assert_answered(await ask(env, "UserContext", context, ringing))
    await env.services.pg.execute(
        "UPDATE calls SET status = 'NO_ANSWER', ended_at = $2 WHERE id = $1", call_id,
        env.clock.now)
    assert_refused(await ask(env, "UserContext", context, ringing), "userContext")


async def test_a_personal_callback_is_moved_or_cancelled_by_its_agent_or_a_supervisor(
        env, floor):
    user, tokens = floor
    at = (NOW + timedelta(days=1)).isoformat()
    booking = {"userId": str(user), "at": at, "note": "after the school run",
               "personal": True}
    assert_refused(await ask(env, "ScheduleCallback", booking, tokens["B"]), "scheduleCallback")
    booked = await ask(env, "ScheduleCallback", booking, tokens["A"])
    callback = booked["data"]["scheduleCallback"]["callback"]
    # B does not work on the user at all; C does (a call an hour ago), but the callback is A's.
    assert_refused(await ask(env, "CancelCallback", {"id": callback["id"]}, tokens["B"]),
                   "cancelCallback")
    await env.api.works_on(tokens["C_id"], user, at=NOW - timedelta(hours=1))
    moved = await ask(env, "ScheduleCallback", booking | {"personal": False}, tokens["C"])
    assert codes(moved) == {"FORBIDDEN"} and moved["data"] is None
    cancelled = await ask(env, "CancelCallback", {"id": callback["id"]}, tokens["C"])
    assert codes(cancelled) == {"FORBIDDEN"}
    status = await env.services.pg.fetchval("SELECT status FROM callbacks WHERE id = $1",
                                            int(callback["id"]))
    assert status == "pending"  # nothing changed
    # The supervisor may; so may A.
    cancelled = await ask(env, "CancelCallback", {"id": callback["id"]}, tokens["S"])
    assert cancelled["data"]["cancelCallback"]["status"] == "cancelled"
    again = await ask(env, "ScheduleCallback", booking, tokens["A"])
    assert_answered(again)
    mine = again["data"]["scheduleCallback"]["callback"]["id"]
    assert (await ask(env, "CancelCallback", {"id": mine}, tokens["A"])
            )["data"]["cancelCallback"]["status"] == "cancelled"


@pytest.fixture
async def server_url(env):
    async with live_server(env.services) as address:
        yield address


async def _first_message(url: str, token: str, variables: dict) -> dict:
    async with websockets.connect(f"ws://{url}/graphql",
                                  subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": OPS["SmsEvents"], "variables": variables}}))
        try:
            return json.loads(await asyncio.wait_for(ws.recv(), 1))
        except TimeoutError:
            return {"type": "listening"}


async def test_a_users_sms_events_are_followed_only_by_who_works_on_them(env, floor,
                                                                          server_url):
    user, tokens = floor
    refused = await _first_message(server_url, tokens["B"], {"userId": str(user)})
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await _first_message(server_url, tokens["A"], {"userId": str(user)})
            )["type"] == "listening"
