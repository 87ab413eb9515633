"""Magic links by SMS, sent as texts of the conversation through the Twilio gateway, faked
only at the HTTP boundary."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from infrastructure.twilio.rest import TwilioRest
from tests.integration.test_magic_links import Env
from tests.queue_env import queue_env

pytestmark = pytest.mark.integration
ACCOUNT_SID, AUTH_TOKEN = "AC" + "1" * 32, "auth-token-" + "2" * 21
CALLER_ID = "+441134960000"
LINK_RE = re.compile(r"http://links\.test/l/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


class TwilioHttp(AsyncHttpClient):
    """Twilio's API at the wire: records each request, answers with the status set."""

    def __init__(self):
        super().__init__(logger=None, is_async=True)
        self.requests: list[dict] = []
        self.status = 201

    async def request(self, method, uri, params=None, data=None, headers=None, auth=None,
                      timeout=None, allow_redirects=False) -> Response:  # noqa: ASYNC109
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}),
                              "auth": auth})
        if self.status >= 400:
            error = {"code": 21211 if self.status == 400 else 20500, "status": self.status,
                     "message": "Invalid 'To' Phone Number" if self.status == 400
                     else "Internal Server Error", "more_info": "https://www.twilio.com/docs"}
            return Response(self.status, json.dumps(error))
        sid = "SM" + uuid.uuid4().hex
        return Response(201, json.dumps({"sid": sid, "status": "queued",
                                         "account_sid": ACCOUNT_SID, "to": data["To"],
                                         "from": data.get("From"), "body": data["Body"]}))


@pytest.fixture(scope="module")
async def env():
    async with queue_env(link_base_url="http://links.test",
                         main_app_url="https://app.example") as (services, rows, clock):
        built = Env(services, rows, clock)
        yield built
        await built.http.aclose()


@pytest.fixture
def twilio_http(env):
    """The bootstrap's own gateway class, configured, over a fake HTTP transport."""
    fake = TwilioHttp()
    texts = env.services.sms.sms
    wired = texts.gateway
    texts.gateway = TwilioRest(ACCOUNT_SID, AUTH_TOKEN, sms_from=CALLER_ID, http_client=fake)
    yield fake
    texts.gateway = wired


async def _text_of(env, link) -> dict:
    """The text of the conversation that carried the link (its delivery reference)."""
    kind, message_id = link["delivery_ref"].split()
    assert kind == "sms"
    return dict(await env.services.pg.fetchrow("SELECT * FROM sms_messages WHERE id = $1",
                                               int(message_id)))


async def _texted_user(env) -> int:
    return await env.rows.user(phone_number="07911 123456", email=None)


async def test_with_no_twilio_credentials_the_sms_is_recorded_not_sent(env):
    gateway = env.services.sms.sms.gateway
    assert gateway is env.services.twilio and gateway.record_only
    user = await _texted_user(env)
    sent = await env.send(user, "SIGN", "SMS")
    assert sent["__typename"] == "MagicLinkSent" and sent["link"]["channel"] == "SMS"
    recorded = gateway.recorded[-1]
    assert recorded["to"] == "+447911123456"
    token = LINK_RE.search(recorded["body"]).group(1)
    [row] = await env.rows_for(user)
    text = await _text_of(env, row)
    assert text["twilio_sid"].startswith("SMrecorded") and row["sent_to"] == "*********456"
    assert (await env.http.get(f"/l/{token}")).headers["location"] == \
        f"https://app.example/sign?token={token}"


async def test_the_sms_goes_to_twilios_messages_api_with_the_link(env, twilio_http):
    user = await _texted_user(env)
    sent = await env.send(user, "UPLOAD_DOCUMENTS", "SMS")
    assert sent["__typename"] == "MagicLinkSent"
    [request] = twilio_http.requests
    assert request["method"] == "POST"
    assert request["uri"] == (f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
                              "/Messages.json")
    assert request["auth"] == (ACCOUNT_SID, AUTH_TOKEN)
    assert (request["data"]["To"], request["data"]["From"]) == ("+447911123456", CALLER_ID)
    token = LINK_RE.search(request["data"]["Body"]).group(1)
    assert "upload" in request["data"]["Body"] and "24 hours" in request["data"]["Body"]
    [row] = await env.rows_for(user)
    text = await _text_of(env, row)  # in the conversation, sent, its link masked
    assert text["twilio_sid"].startswith("SM") and not text["twilio_sid"].startswith(
        "SMrecorded")
    assert (text["user_id"], text["status"], text["direction"]) == (user, "QUEUED", "OUTBOUND")
    assert f"/l/[link {row['id']}]" in text["body"] and token not in text["body"]
    assert row["channel"] == "SMS" and token not in str(dict(row))
    redeemed = await env.redeem(token)
    assert redeemed == {"__typename": "MagicLinkRedeemed", "userId": str(user),
                        "purpose": "UPLOAD_DOCUMENTS"}


@pytest.mark.parametrize("status", [400, 500])
async def test_twilio_refusing_the_sms_withdraws_the_link(env, twilio_http, status):
    user = await _texted_user(env)
    twilio_http.status = status
    refused = await env.send(user, "SIGN", "SMS")
    assert refused["__typename"] == "MagicLinkRejected" and refused["reason"] == "SEND_FAILED"
    assert len(twilio_http.requests) == 1  # tried once, not retried behind the agent's back
    assert not await env.rows_for(user)  # a link never delivered is not kept
    twilio_http.status = 201
    # The failed send did not use up the user's hourly allowance.
    results = [await env.send(user, "SIGN", "SMS") for _ in range(3)]
    assert [r["__typename"] for r in results] == ["MagicLinkSent"] * 3
    assert (await env.send(user, "SIGN", "SMS"))["reason"] == "RATE_LIMITED"
    assert len(twilio_http.requests) == 4
