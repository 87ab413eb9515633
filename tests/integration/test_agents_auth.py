"""Login, Me and SetAgentStatus against the real dialler database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.conftest import error_codes
from tests.contracts import OPERATIONS

pytestmark = pytest.mark.integration

OPERATIONS = (OPERATIONS
              / "agent.graphql").read_text()


async def op(gql, name: str, variables=None, token=None) -> dict:
    return await gql(_only(name), variables, token)


def _only(name: str) -> str:
    """One operation of the contract file (the file holds several)."""
    blocks = OPERATIONS.split("\n\n")
    return next(b for b in blocks if f" {name}" in b.split("{")[0])


async def test_login_succeeds_and_me_answers(gql, make_agent):
    agent, _ = await make_agent("SUPERVISOR", password="a long enough password")
    body = await op(gql, "Login", {"email": agent.email.upper(),
                                   "password": "a long enough password"})
    result = body["data"]["login"]
    assert result["__typename"] == "LoginSucceeded"
    assert result["agent"] == {"id": str(agent.id), "name": agent.name, "role": "SUPERVISOR"}
    me = await op(gql, "Me", token=result["token"])
    assert me["data"]["me"] == {"id": str(agent.id), "name": agent.name, "email": agent.email,
                                "role": "SUPERVISOR", "status": "OFFLINE"}


async def test_wrong_email_and_wrong_password_look_the_same(gql, make_agent):
    agent, _ = await make_agent()
    wrong_password = await op(gql, "Login", {"email": agent.email, "password": "nope nope nope"})
    wrong_email = await op(gql, "Login", {"email": "nobody@example.com",
                                          "password": "correct horse battery"})
    malformed = await op(gql, "Login", {"email": "not an email", "password": ""})
    assert wrong_password == wrong_email == malformed == {"data": {"login": {
        "__typename": "LoginFailed", "message": "Wrong e-mail or password."}}}


async def test_login_records_a_session(gql, services, make_agent):
    agent, _ = await make_agent()
    await op(gql, "Login", {"email": agent.email, "password": "correct horse battery"})
    async with services.engine.connect() as conn:
        count = (await conn.execute(text(
            "SELECT count(*) FROM agent_sessions WHERE agent_id = :a"), {"a": agent.id})).scalar()
    assert count == 1


async def test_status_changes_are_recorded_with_timestamps(gql, services, make_agent):
    agent, token = await make_agent()
    paused = await op(gql, "SetAgentStatus", {"status": "PAUSED", "reason": "lunch"}, token)
    assert paused["data"]["setAgentStatus"]["status"] == "PAUSED"
    available = await op(gql, "SetAgentStatus", {"status": "AVAILABLE"}, token)
    since = available["data"]["setAgentStatus"]["statusSince"]
    assert since is not None
    async with services.engine.connect() as conn:
        history = (await conn.execute(text(
            "SELECT previous_status, status, reason, occurred_at FROM agent_status_history "
            "WHERE agent_id = :a ORDER BY id"), {"a": agent.id})).all()
    assert [(h[0], h[1], h[2]) for h in history] == [("OFFLINE", "PAUSED", "lunch"),
                                                     ("PAUSED", "AVAILABLE", None)]
    assert history[0][3] <= history[1][3]
    me = await op(gql, "Me", token=token)
    assert me["data"]["me"]["status"] == "AVAILABLE"


async def test_concurrent_status_changes_all_land_in_history(gql, services, make_agent):
    agent, token = await make_agent()
    statuses = ["AVAILABLE", "PAUSED", "ON_CALL", "WRAP_UP", "AVAILABLE", "PAUSED"]
    await asyncio.gather(*(op(gql, "SetAgentStatus", {"status": s}, token) for s in statuses))
    async with services.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT previous_status, status FROM agent_status_history WHERE agent_id = :a "
            "ORDER BY id"), {"a": agent.id})).all()
        final = (await conn.execute(text("SELECT status FROM agents WHERE id = :a"),
                                    {"a": agent.id})).scalar()
    # Each change saw the one before it: the chain is unbroken.
    assert rows[0][0] == "OFFLINE"
    assert all(a[1] == b[0] for a, b in zip(rows, rows[1:], strict=False))
    assert rows[-1][1] == final


async def test_bad_status_input_changes_nothing(gql, services, make_agent):
    agent, token = await make_agent()
    body = await op(gql, "SetAgentStatus", {"status": "PAUSED", "reason": "x" * 500}, token)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    unknown = await op(gql, "SetAgentStatus", {"status": "ASLEEP"}, token)
    assert error_codes(unknown) == ["BAD_USER_INPUT"]
    me = await op(gql, "Me", token=token)
    assert me["data"]["me"]["status"] == "OFFLINE"


async def test_integration_tokens_cannot_set_a_status(gql, make_agent):
    _, token = await make_agent("INTEGRATION")
    body = await op(gql, "SetAgentStatus", {"status": "AVAILABLE"}, token)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_status_change_is_published(services, make_agent, gql):
    agent, token = await make_agent()
    pubsub = services.redis.client.pubsub()
    channel = services.events.channel_for_name("AgentStatusChanged")
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    await op(gql, "SetAgentStatus", {"status": "AVAILABLE"}, token)
    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
    await pubsub.aclose()
    assert message is not None and str(agent.id).encode() in message["data"]
