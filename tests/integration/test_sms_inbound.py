"""Inbound SMS: threading, unknown senders, STOP/START with one acknowledgement, live events."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
import websockets

from domain.messaging.follow_ups import review_request
from domain.messaging.model import SmsEvent
from tests.integration.test_sms import (
    SEND,
    e164_of,
    module_fixtures,
    post_to_twilio_webhook,
    texting_user,
    twilio_error,
)
from tests.live_server import live_server
from tests.queue_env import NOW, queue_of
from tests.subscriptions import marker_at, publishing, until_subscribed

pytestmark = pytest.mark.integration
OUR_NUMBER = "+441632960000"
EVENTS = ("subscription($u: ID) { smsEvents(userId: $u) { kind message { id userId direction "
          "body status createdAt } } }")


env, _reset = module_fixtures()  # this module's own dialler; the clock reset per test


async def text_us(env, sender: str, body: str, sid: str | None = None):
    """Twilio posting an inbound message; returns the TwiML answer."""
    response = await post_to_twilio_webhook(env, "/twilio/sms/inbound", {
        "From": sender, "To": OUR_NUMBER, "Body": body,
        "MessageSid": sid or f"SM{uuid.uuid4().hex}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return response.text


def replies(twiml: str) -> int:
    return twiml.count("<Message>")


async def inbound_rows(env, sender: str) -> list[dict]:
    return [dict(r) for r in await env.services.pg.fetch(
        "SELECT * FROM sms_messages WHERE from_number = $1 ORDER BY id", sender)]


async def test_a_reply_is_threaded_into_the_users_conversation(env):
    user = await texting_user(env)
    number = await e164_of(env, user)
    national = "0" + number[3:]  # as a person might write it: 07911 2xxxxx
    twiml = await text_us(env, national, "Yes please call me tomorrow")
    assert replies(twiml) == 1  # the callback it asks for is booked and confirmed
    (row,) = await inbound_rows(env, number)
    assert (row["user_id"], row["direction"], row["status"], row["body"]) == (
        user, "INBOUND", "RECEIVED", "Yes please call me tomorrow")


async def test_an_unknown_sender_is_stored_without_a_user(env):
    twiml = await text_us(env, "+447911999999", "who is this?")
    assert replies(twiml) == 0
    (row,) = await inbound_rows(env, "+447911999999")
    assert row["user_id"] is None and row["body"] == "who is this?"


async def test_a_retried_inbound_webhook_is_stored_once(env):
    user = await texting_user(env)
    number = await e164_of(env, user)
    for _ in range(2):
        await text_us(env, number, "hello twice", sid="SMsame" + number[-6:])
    assert len(await inbound_rows(env, number)) == 1


async def test_stop_opts_out_everywhere_once_and_start_undoes_it(env):
    services = env.services
    user = await texting_user(env)
    number = await e164_of(env, user)
    assert await queue_of(services, user) == "UNSIGNED"
    await services.sms.follow_ups.schedule_review_request(user, NOW)
    _, token = await env.api.agent("SUPERVISOR")

    first = await text_us(env, number, "  Stop ")
    assert replies(first) == 1 and "unsubscribed" in first
    assert await queue_of(services, user) is None  # left the queues at once (do_not_call)
    assert await services.pg.fetchval("SELECT reason FROM do_not_call WHERE user_id = $1",
                                      user) == "SMS opt-out (STOP)"
    assert await services.pg.fetchval(
        "SELECT status FROM sms_follow_ups WHERE dedupe_key = $1",
        review_request(user, NOW).dedupe_key) == "CANCELLED"
    refused = (await env.api(SEND, {"u": str(user), "b": "still there?"}, token))["sendSms"]
    assert refused["reason"] == "OPTED_OUT"
    # A second STOP (another word of the family) is stored but not acknowledged again.
    assert replies(await text_us(env, number, "unsubscribe")) == 0
    assert len(await inbound_rows(env, number)) == 2
    # The one acknowledgement is part of the conversation too.
    assert await services.pg.fetchval(
        "SELECT count(*) FROM sms_messages WHERE user_id = $1 AND direction = 'OUTBOUND' "
        "AND automated AND body LIKE 'You have been unsubscribed%'", user) == 1

    back = await text_us(env, number, "START")
    assert replies(back) == 1 and "resubscribed" in back
    assert await queue_of(services, user) == "UNSIGNED"
    sent = (await env.api(SEND, {"u": str(user), "b": "welcome back"}, token))["sendSms"]
    assert sent["__typename"] == "SmsQueued"
    assert replies(await text_us(env, number, "START")) == 0  # nothing left to undo


async def test_start_does_not_lift_an_agents_do_not_call(env):
    services = env.services
    user = await texting_user(env)
    await services.pg.execute(
        "INSERT INTO do_not_call (user_id, reason) VALUES ($1, 'agent recorded DO_NOT_CALL')",
        user)
    await services.queues.recompute([user], "test")
    number = await e164_of(env, user)
    await text_us(env, number, "STOP")
    await text_us(env, number, "START")
    assert await services.pg.fetchval("SELECT reason FROM do_not_call WHERE user_id = $1",
                                      user) == "agent recorded DO_NOT_CALL"
    assert await queue_of(services, user) is None


async def test_an_unknown_sender_can_opt_out_too(env):
    assert replies(await text_us(env, "+447911888888", "STOP")) == 1
    assert await env.services.pg.fetchval(
        "SELECT user_id IS NULL FROM sms_opt_outs WHERE e164 = '+447911888888'")


@pytest.fixture
async def server_url(env):
    async with live_server(env.services) as address:
        yield address


async def _subscribe(url: str, token: str, variables: dict):
    ws = await websockets.connect(f"ws://{url}/graphql", subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init",
                              "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe",
                              "payload": {"query": EVENTS, "variables": variables}}))
    return ws


async def _next(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def test_sms_events_reach_websocket_subscribers(env, server_url):
    services = env.services
    user, other = await texting_user(env), await texting_user(env)
    agent_row, agent = await env.api.agent()
    _, supervisor = await env.api.agent("SUPERVISOR")
    await env.api.works_on(agent_row.id, user)
    await env.api(SEND, {"u": str(user), "b": "can you talk?"}, agent)
    sockets = [await _subscribe(server_url, agent, {"u": str(user)}),
               await _subscribe(server_url, agent, {}),
               await _subscribe(server_url, supervisor, {})]
    mine, agents_all, everything = sockets
    try:
        assert await services.events.wait_connected()
        def probe(marker: str) -> SmsEvent:  # of the user the agent works on: all see it
            return SmsEvent("RECEIVED", 0, user, "INBOUND", marker, "RECEIVED", NOW,
                            (str(agent_row.id),))

        await until_subscribed(sockets, publishing(services.events, probe),
                               marker_at("smsEvents", "message", "body"))
        await text_us(env, await e164_of(env, other), "not for this agent")
        await text_us(env, await e164_of(env, user), "hi there")
        event = (await _next(mine))["payload"]["data"]["smsEvents"]
        assert event["kind"] == "RECEIVED"
        assert event["message"] | {"id": None, "createdAt": None} == {
            "id": None, "userId": str(user), "direction": "INBOUND", "body": "hi there",
            "status": "RECEIVED", "createdAt": None}
        seen = [(await _next(everything))["payload"]["data"]["smsEvents"]["message"]["userId"]
                for _ in range(2)]
        assert seen == [str(other), str(user)]  # supervisors see every conversation
        # An agent without a userId sees only the users they work on.
        only = (await _next(agents_all))["payload"]["data"]["smsEvents"]["message"]
        assert (only["userId"], only["body"]) == (str(user), "hi there")
        await env.api(SEND, {"u": str(user), "b": "and a reply"}, agent)
        kinds = [(await _next(mine))["payload"]["data"]["smsEvents"] for _ in range(2)]
        assert [(k["kind"], k["message"]["status"]) for k in kinds] == [
            ("STATUS_CHANGED", "QUEUED"), ("STATUS_CHANGED", "QUEUED")]
    finally:
        for ws in sockets:
            await ws.close()


async def test_integration_tokens_may_not_follow_sms_events(env, server_url):
    _, integration = await env.api.agent("INTEGRATION")
    ws = await _subscribe(server_url, integration, {})
    try:
        message = await _next(ws)
    finally:
        await ws.close()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_late_start_after_hours_still_works(env):
    env.clock.now = NOW + timedelta(hours=12)  # 22:00: replies are not automated sends
    user = await texting_user(env)
    number = await e164_of(env, user)
    assert replies(await text_us(env, number, "STOP")) == 1
    assert replies(await text_us(env, number, "START")) == 1


async def test_a_failed_message_is_not_retried_after_the_user_opts_out(env):
    user = await texting_user(env)
    number = await e164_of(env, user)
    _, token = await env.api.agent("SUPERVISOR")
    env.http.answers.append(twilio_error(500, 20500, "oops"))
    message = (await env.api(SEND, {"u": str(user), "b": "pending retry"}, token)
               )["sendSms"]["message"]
    assert message["status"] == "FAILED"
    await text_us(env, number, "STOP")
    env.clock.now = NOW + timedelta(minutes=5)
    await env.services.sms.sms.retry_due()
    # The refused first attempt only: no retry after STOP.
    assert len([m for m in env.http.messages() if m["Body"] == "pending retry"]) == 1
    row = await env.services.pg.fetchrow("SELECT * FROM sms_messages WHERE id = $1",
                                         int(message["id"]))
    assert row["status"] == "FAILED" and row["failure_reason"].startswith("not retried")
    assert row["next_attempt_at"] is None
