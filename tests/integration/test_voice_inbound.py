"""Inbound calls: known callers ring the available agents, unknown callers are kept,
unanswered calls become callbacks due now in the CALLBACK queue."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from domain.calls.voice import IncomingCall
from tests.integration.test_voice import ACCOUNT, BASE, call_row, sid, twiml, voice_env
from tests.queue_env import NOW, queue_of

pytestmark = pytest.mark.integration
COMPANY = "+441615550100"


@pytest.fixture(scope="module")
async def env():
    async with voice_env() as built:
        yield built


async def available(env, count: int = 1):
    """Exactly ``count`` new agents are AVAILABLE, longest waiting first."""
    services, _, _, api, _ = env
    async with services.pg.acquire() as conn:
        await conn.execute("UPDATE agents SET status = 'OFFLINE'")
    agents = [(await api.agent())[0] for _ in range(count)]
    async with services.pg.acquire() as conn:
        for minutes, agent in enumerate(agents):
            await conn.execute("UPDATE agents SET status = 'AVAILABLE', status_since = $2 "
                               "WHERE id = $1", agent.id, NOW - timedelta(minutes=10 - minutes))
    return agents


async def known_caller(env, local: str) -> int:
    services, rows, _, _, _ = env
    user = await rows.user(signature=None, phone_number=local)
    await rows.claim(user)
    await services.queues.recompute([user], "test")
    return user


def inbound_form(call_sid: str, caller: str) -> dict[str, str]:
    return {"AccountSid": ACCOUNT, "CallSid": call_sid, "From": caller, "To": COMPANY,
            "CallStatus": "ringing", "Direction": "inbound"}


def result_form(call_sid: str, status: str, duration: int | None = None) -> dict[str, str]:
    form = inbound_form(call_sid, "+447911000000") | {"DialCallStatus": status,
                                                       "DialCallSid": sid()}
    if duration is not None:
        form["DialCallDuration"] = str(duration)
    return form


async def callbacks(services, user: int) -> list:
    async with services.pg.acquire() as conn:
        return await conn.fetch("SELECT * FROM callbacks WHERE user_id = $1", user)


async def test_a_known_caller_rings_the_available_agents_with_their_context(env):
    services, _, _, _, twilio = env
    user = await known_caller(env, "07911 123401")
    agents = await available(env, 2)
    call_sid = sid()
    assert await services.events.wait_connected()
    # Listening from here: the reader's cursor is fixed when listen_wire yields it.
    async with services.events.listen_wire(IncomingCall) as events:
        root = twiml(await twilio.post("/twilio/voice/inbound",
                                       inbound_form(call_sid, "+447911123401")))
        event = json.loads(await asyncio.wait_for(anext(events), 5))
    dial = root.find("Dial")
    assert dial.attrib["action"] == f"{BASE}/twilio/voice/inbound/result"
    assert dial.attrib["timeout"] == str(services.settings.inbound_ring_seconds)
    assert dial.attrib["record"] == "record-from-answer-dual"
    clients = dial.findall("Client")
    assert [c.find("Identity").text for c in clients] == [f"agent-{a.id}" for a in agents]
    params = {p.attrib["name"]: p.attrib["value"] for p in clients[0].findall("Parameter")}
    assert params["userId"] == str(user)
    assert clients[0].attrib["statusCallbackEvent"] == "answered"
    row = await call_row(services, call_sid)
    assert (row["direction"], row["status"], row["user_id"], row["from_number"]) == (
        "INBOUND", "RINGING", user, "+447911123401")
    assert (event["user_id"], event["call_id"]) == (user, str(row["id"]))
    assert event["agent_ids"] == [str(a.id) for a in agents]
    assert "123401" not in event["from_number"]  # masked: the last three digits only
    # Whom it rings may see the caller while it rings (tests/integration/test_access.py).
    rung = await services.pg.fetch("SELECT agent_id FROM call_rings WHERE call_id = $1",
                                   row["id"])
    assert {r["agent_id"] for r in rung} == {a.id for a in agents}


async def test_the_caller_hears_the_recording_notice_before_agents_ring(env):
    services, _, _, _, twilio = env
    await known_caller(env, "07911 123409")
    await available(env, 1)
    root = twiml(await twilio.post("/twilio/voice/inbound",
                                   inbound_form(sid(), "+447911123409")))
    notice = services.settings.recording_notice
    assert "recorded" in notice
    say, dial = list(root)  # the notice first, then the agents' browsers ring
    assert (say.tag, say.text, say.attrib["language"]) == ("Say", notice, "en-GB")
    assert dial.tag == "Dial" and dial.findall("Client")


async def test_an_answered_inbound_call_belongs_to_the_agent_who_answered(env):
    services, _, _, _, twilio = env
    user = await known_caller(env, "07911 123402")
    _, second = await available(env, 2)
    call_sid = sid()
    await twilio.post("/twilio/voice/inbound", inbound_form(call_sid, "07911123402"))
    answered = {"AccountSid": ACCOUNT, "CallSid": sid(), "ParentCallSid": call_sid,
                "CallStatus": "in-progress", "To": f"client:agent-{second.id}",
                "From": "+447911123402"}
    assert (await twilio.post("/twilio/voice/status", answered)).status_code == 200
    row = await call_row(services, call_sid)
    assert (row["status"], row["agent_id"]) == ("IN_PROGRESS", second.id)
    root = twiml(await twilio.post("/twilio/voice/inbound/result",
                                   result_form(call_sid, "completed", 33)))
    assert root.find("Say") is None
    row = await call_row(services, call_sid)
    assert (row["status"], row["talk_seconds"]) == ("COMPLETED", 33)
    assert await callbacks(services, user) == []
    assert await queue_of(services, user) == "UNSIGNED"


async def test_an_unanswered_call_is_a_missed_call_in_the_callback_queue_once(env):
    services, _, _, _, twilio = env
    user = await known_caller(env, "07911 123403")
    await available(env)
    call_sid = sid()
    await twilio.post("/twilio/voice/inbound", inbound_form(call_sid, "+447911123403"))
    form = result_form(call_sid, "no-answer")
    root = twiml(await twilio.post("/twilio/voice/inbound/result", form))
    assert "call you back" in root.find("Say").text and root.find("Hangup") is not None
    assert (await call_row(services, call_sid))["status"] == "NO_ANSWER"
    await twilio.post("/twilio/voice/inbound/result", form)  # Twilio retrying
    await twilio.post("/twilio/voice/inbound/result", result_form(call_sid, "busy"))
    (callback,) = await callbacks(services, user)
    assert (callback["status"], callback["scheduled_for"], callback["personal"]) == (
        "pending", NOW, False)
    assert await queue_of(services, user) == "CALLBACK"
    assert (await call_row(services, call_sid))["status"] == "NO_ANSWER"


async def test_with_nobody_available_the_caller_hears_why_and_gets_a_callback(env):
    services, _, _, _, twilio = env
    user = await known_caller(env, "07911 123404")
    await available(env, 0)
    call_sid = sid()
    root = twiml(await twilio.post("/twilio/voice/inbound",
                                   inbound_form(call_sid, "+447911123404")))
    assert root.find("Dial") is None and "call you back" in root.find("Say").text
    row = await call_row(services, call_sid)
    assert (row["status"], row["ended_at"], row["user_id"]) == ("NO_ANSWER", NOW, user)
    assert [c["status"] for c in await callbacks(services, user)] == ["pending"]
    assert await queue_of(services, user) == "CALLBACK"


async def test_an_unknown_caller_is_kept_with_their_number_and_no_callback(env):
    services, _, _, _, twilio = env
    (agent,) = await available(env)
    call_sid = sid()
    root = twiml(await twilio.post("/twilio/voice/inbound",
                                   inbound_form(call_sid, "+447400123456")))
    client = root.find("Dial").find("Client")
    assert client.find("Identity").text == f"agent-{agent.id}"
    assert [p.attrib["name"] for p in client.findall("Parameter")] == ["callId"]
    row = await call_row(services, call_sid)
    assert (row["user_id"], row["from_number"], row["status"]) == (
        None, "+447400123456", "RINGING")
    async with services.pg.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM callbacks")
    await twilio.post("/twilio/voice/inbound/result", result_form(call_sid, "no-answer"))
    assert (await call_row(services, call_sid))["status"] == "NO_ANSWER"
    async with services.pg.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM callbacks") == before
