"""No link token that would redeem is kept or answered, while Twilio gets working links.

Twilio is faked at its HTTP boundary (tests.integration.test_sms); everything else is real:
PostgreSQL, MariaDB, Redis, the API over HTTP and a websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from datetime import timedelta

import pytest
import redis.asyncio as aioredis
import websockets
from twilio.http.response import Response

from domain.calls.outcomes import CallOutcome
from domain.links import tokens
from domain.links.masking import tokens_in
from domain.messaging.model import SmsEvent
from tests import services as svc
from tests.integration.test_sms import (
    BASE,
    e164_of,
    module_fixtures,
    post_to_twilio_webhook,
    texting_user,
    twilio_error,
)
from tests.live_server import live_server
from tests.queue_env import NOW
from tests.subscriptions import marker_at, publishing, until_subscribed

pytestmark = pytest.mark.integration
LINK = f"{BASE}/l/"
PROBE = "probe: is the subscription listening?"
SEND_LINK = ("mutation($u: ID!) { sendMagicLink(userId: $u, purpose: SIGN, channel: SMS) { "
             "__typename ... on MagicLinkSent { link { id } } } }")
READS = ("query($u: ID!) { conversation(userId: $u, first: 50) { edges { node { id body "
         "failureReason } } } magicLinks(userId: $u) { id state usedAt } "
         "calls(userId: $u, first: 50) { edges { node { id recordingUrl } } } "
         "userContext(userId: $u) { user { id } } }")
REDEEM = ("mutation($t: String!) { redeemMagicLink(token: $t) { __typename "
          "... on MagicLinkRedeemed { userId } ... on MagicLinkInvalid { reason } } }")
EVENTS = ("subscription { smsEvents { kind message { id userId direction body status "
          "failureReason } } }")


env, _reset = module_fixtures()  # this module's own dialler; the clock reset per test


def redeemable_in(env, text: str) -> list[str]:
    """Every substring redeemMagicLink would take for one of ours (signed with our key)."""
    key = env.services.magic_links._key
    windows = (text[max(0, at - 32):at + 23] for at, c in enumerate(text) if c == ".")
    return [w for w in windows if tokens.is_authentic(key, w)] + [
        t for t in tokens_in(text) if tokens.is_authentic(key, t)]


def tokens_sent_to(env, number: str, since: int) -> list[str]:
    bodies = [m["Body"] for m in env.http.messages()[since:] if m["To"] == number]
    return [t for body in bodies for t in tokens_in(body)]


async def everything_kept(env) -> str:
    """Every row of every table of the dialler's database, as text."""
    tables = [r["tablename"] for r in await env.services.pg.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    texts = [await env.services.pg.fetchval(
        f'SELECT coalesce(string_agg(t::text, E\'\\n\'), \'\') FROM "{table}" t')
        for table in tables]
    return "\n".join(texts)


async def gql(env, query: str, variables: dict, token: str) -> dict:
    response = await env.api.http.post("/graphql", json={"query": query,
                                                         "variables": variables},
                                       headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@contextlib.asynccontextmanager
async def raw_sms_events(env):
    """What is published to Redis for smsEvents, read straight off the channel."""
    client = aioredis.from_url(svc.REDIS_URL)
    pubsub = client.pubsub()
    await pubsub.subscribe(env.services.events.channel_for_name("SmsEvent"))
    confirmed = await pubsub.get_message(timeout=5)
    assert confirmed and confirmed["type"] == "subscribe"
    try:
        yield pubsub
    finally:
        await pubsub.aclose()
        await client.aclose()


async def raw_until_received(pubsub, user: int) -> list[str]:
    """The payloads up to the RECEIVED event of ``user``'s text (events keep their order)."""
    seen, deadline = [], time.monotonic() + 10
    while time.monotonic() < deadline:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
        if message is None:
            continue
        seen.append(message["data"].decode())
        event = json.loads(seen[-1])
        if event["kind"] == "RECEIVED" and event["user_id"] == user:
            return seen
    raise AssertionError(f"no RECEIVED event for user {user} within 10 s: {seen}")


@contextlib.asynccontextmanager
async def sms_events_socket(env, token: str):
    """A supervisor's smsEvents subscription, open and registered (a probe came through)."""
    async with live_server(env.services) as url:
        ws = await websockets.connect(f"ws://{url}/graphql",
                                      subprotocols=["graphql-transport-ws"])
        try:
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": EVENTS}}))
            await until_subscribed(ws, publishing(env.services.events, _probe),
                                   marker_at("smsEvents", "message", "body"))
            yield ws
        finally:
            await ws.close()


def _probe(marker: str) -> SmsEvent:
    return SmsEvent("RECEIVED", 0, None, "INBOUND", marker, "RECEIVED", NOW)


async def socket_until_received(ws, user: int) -> list[str]:
    seen = []
    while True:
        frame = await asyncio.wait_for(ws.recv(), 10)
        event = json.loads(frame)["payload"]["data"]["smsEvents"]
        if event["message"]["body"] == PROBE:
            continue
        seen.append(frame)
        if event["kind"] == "RECEIVED" and event["message"]["userId"] == str(user):
            return seen


async def test_no_redeemable_token_is_kept_or_answered_yet_every_text_carries_one(
        env, caplog):
    caplog.set_level(logging.INFO)
    services = env.services
    _, supervisor = await env.api.agent("SUPERVISOR")
    _, integration = await env.api.agent("INTEGRATION")
    texted, followed = await texting_user(env), await texting_user(env)
    texted_at, followed_at = await e164_of(env, texted), await e164_of(env, followed)
    async with raw_sms_events(env) as published, sms_events_socket(env, supervisor) as ws:
        # 1. sendMagicLink by SMS.
        before = len(env.http.messages())
        sent = (await gql(env, SEND_LINK, {"u": str(texted)}, supervisor))["sendMagicLink"]
        assert sent["__typename"] == "MagicLinkSent"
        (link_token,) = tokens_sent_to(env, texted_at, before)
        # 2. A follow-up carrying a link, whose first hand-off Twilio refuses (500)...
        await services.sms.follow_ups.after_disposition(followed, CallOutcome.NO_ANSWER,
                                                        None, NOW)
        env.clock.now = NOW + timedelta(minutes=20)
        env.http.answers.append(twilio_error(500, 20500, "Internal Server Error"))
        before = len(env.http.messages())
        assert (await services.sms.follow_ups.send_due()).sent == 1
        (refused_token,) = tokens_sent_to(env, followed_at, before)
        # 3. ...and its retry, which goes with a new link.
        env.clock.now += timedelta(minutes=2)
        before = len(env.http.messages())
        assert await services.sms.sms.retry_due() == 1
        (retried_token,) = tokens_sent_to(env, followed_at, before)
        assert retried_token != refused_token
        # 4. The customer sends the link back.
        response = await post_to_twilio_webhook(env, "/twilio/sms/inbound", {
            "From": followed_at, "To": "+441632960000", "MessageSid": f"SM{uuid.uuid4().hex}",
            "Body": f"this does not open {LINK}{retried_token}"})
        assert response.status_code == 200
        events = (await raw_until_received(published, followed)
                  + await socket_until_received(ws, followed))
    answers = [json.dumps(await gql(env, READS, {"u": str(user)}, supervisor))
               for user in (texted, followed)]

    kept = await everything_kept(env)
    for where, text in (("the database", kept), ("an API answer", "\n".join(answers)),
                        ("an smsEvents payload", "\n".join(events)),
                        ("the logs", caplog.text), ("a sendMagicLink answer", str(sent))):
        assert redeemable_in(env, text) == [], f"a redeemable token in {where}"
        for token in (link_token, refused_token, retried_token):
            assert token not in text and token.split(".")[0] not in text, where
    # What is kept and shown says which link went: the one that can still be followed.
    retried_link = await services.pg.fetchval(
        "SELECT id FROM magic_links WHERE token_hash = $1", tokens.token_hash(retried_token))
    (outbound,) = await services.pg.fetch(
        "SELECT body, attempts, status FROM sms_messages WHERE user_id = $1 AND "
        "direction = 'OUTBOUND'", followed)
    assert f"{LINK}[link {retried_link}]" in outbound["body"]
    assert (outbound["attempts"], outbound["status"]) == (2, "QUEUED")
    assert f"[link {retried_link}]" in answers[1] and f"{LINK}[link]" in answers[1]
    # Twilio got working links; the refused hand-off's link was revoked by the retry.
    redeem = {t: (await gql(env, REDEEM, {"t": t}, integration))["redeemMagicLink"]
              for t in (link_token, retried_token, refused_token)}
    assert redeem[link_token] == {"__typename": "MagicLinkRedeemed", "userId": str(texted)}
    assert redeem[retried_token] == {"__typename": "MagicLinkRedeemed",
                                     "userId": str(followed)}
    assert redeem[refused_token] == {"__typename": "MagicLinkInvalid", "reason": "EXPIRED"}


async def test_a_retry_whose_link_cannot_be_renewed_fails_for_good_and_sends_nothing(env):
    services = env.services
    user = await texting_user(env)
    number = await e164_of(env, user)
    await services.sms.follow_ups.after_disposition(user, CallOutcome.NO_ANSWER, None, NOW)
    env.clock.now = NOW + timedelta(minutes=20)
    env.http.answers.append(twilio_error(503, 20503, "Service Unavailable"))
    before = len(env.http.messages())
    await services.sms.follow_ups.send_due()
    (first_token,) = tokens_sent_to(env, number, before)
    # Twilio's 503 hid a delivery after all: the customer used the link meanwhile.
    await services.pg.execute("UPDATE magic_links SET used_at = $2 WHERE token_hash = $1",
                              tokens.token_hash(first_token), NOW + timedelta(minutes=21))
    env.clock.now += timedelta(minutes=2)
    before = len(env.http.messages())
    assert await services.sms.sms.retry_due() == 1
    assert tokens_sent_to(env, number, before) == []
    row = await services.pg.fetchrow(
        "SELECT status, failure_reason, next_attempt_at FROM sms_messages WHERE user_id = $1",
        user)
    assert row["status"] == "FAILED" and row["next_attempt_at"] is None
    assert "link it carried could not be renewed" in row["failure_reason"]
    assert await services.pg.fetchval(
        "SELECT count(*) FROM magic_links WHERE user_id = $1", user) == 1  # none minted


async def test_a_providers_error_text_quoting_the_body_is_kept_masked(env, monkeypatch):
    user = await texting_user(env)
    number = await e164_of(env, user)
    await env.services.sms.follow_ups.after_disposition(user, CallOutcome.NO_ANSWER, None, NOW)
    env.clock.now = NOW + timedelta(minutes=20)

    async def quoting(method, uri, params=None, data=None, headers=None, auth=None,
                      timeout=None, allow_redirects=False) -> Response:  # noqa: ASYNC109
        env.http.requests.append({"method": method, "uri": uri, "data": dict(data)})
        status, payload = twilio_error(400, 21617, f"Message '{data['Body']}' refused")
        return Response(status, json.dumps(payload))

    monkeypatch.setattr(env.http, "request", quoting)
    before = len(env.http.messages())
    await env.services.sms.follow_ups.send_due()
    (token,) = tokens_sent_to(env, number, before)
    reason = await env.services.pg.fetchval(
        "SELECT failure_reason FROM sms_messages WHERE user_id = $1", user)
    assert "21617" in reason and "Reply STOP" in reason  # the quote is kept...
    assert token not in reason and redeemable_in(env, reason) == []  # ...masked
