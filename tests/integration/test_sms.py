"""SendSms, Conversation and Twilio's status callbacks, against real PostgreSQL/MariaDB/Redis.

Twilio is faked only at its HTTP boundary: a ``twilio.http.AsyncHttpClient`` under
Twilio's own ``Client`` answers as Twilio's API would (201, 400, 429, 500).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from twilio.http import AsyncHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from infrastructure.twilio.rest import TwilioRest
from tests.integration.test_leads import Api
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration

AUTH_TOKEN = "twilio-test-auth-token"
BASE = "https://dialler.example"
TWILIO = dict(twilio_account_sid="AC" + "a" * 32, twilio_auth_token=AUTH_TOKEN,
              twilio_caller_id="+441632960000", public_base_url=BASE)
SEND = ("mutation($u: ID!, $b: String!) { sendSms(userId: $u, body: $b) { __typename "
        "... on SmsQueued { message { id status direction body createdAt failureReason } } "
        "... on SmsRejected { reason detail } } }")
CONVERSATION = ("query($u: ID!, $f: Int!, $a: String) { conversation(userId: $u, first: $f, "
                "after: $a) { totalCount pageInfo { hasNextPage endCursor } "
                "edges { node { id direction body status createdAt } } } }")
_numbers = itertools.count(random.randint(0, 80_000))


class FakeTwilioHttp(AsyncHttpClient):
    """Twilio's REST API at the HTTP boundary: scripted answers, every request kept."""

    def __init__(self, latency: float = 0.01):
        super().__init__(logging.getLogger("fake-twilio"), True)
        self.latency = latency
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []  # next answers; then 201 with a new sid

    async def request(self, method, uri, params=None, data=None, headers=None, auth=None,
                      timeout=None, allow_redirects=False) -> Response:  # noqa: ASYNC109
        form = dict(data or {})
        self.requests.append({"method": method, "uri": uri, "data": form})
        await asyncio.sleep(self.latency)  # a round trip: lets concurrent senders overlap
        if self.answers:
            status, payload = self.answers.pop(0)
        else:
            status, payload = 201, {"sid": f"SM{uuid.uuid4().hex}", "status": "queued",
                                    "to": form.get("To"), "body": form.get("Body")}
        return Response(status, "" if status == 204 else json.dumps(payload))  # No Content

    def messages(self) -> list[dict]:
        return [r["data"] for r in self.requests if r["uri"].endswith("/Messages.json")]


def twilio_error(status: int, code: int, message: str) -> tuple[int, dict]:
    return status, {"code": code, "message": message, "status": status,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}"}


def use_fake_twilio(services, http: FakeTwilioHttp) -> None:
    """The process's real gateway over a fake transport (bootstrap made one over aiohttp)."""
    twilio = TwilioRest.from_settings(services.settings, http_client=http)
    services.sms.sms.gateway = twilio


@contextlib.asynccontextmanager
async def sms_env():
    """A dialler of its own with Twilio configured (faked at HTTP) and a fixed clock."""
    async with queue_env(**TWILIO) as (services, rows, clock):
        http = FakeTwilioHttp()
        use_fake_twilio(services, http)
        api = Api(services)
        try:
            yield SimpleNamespace(services=services, rows=rows, clock=clock, http=http, api=api)
        finally:
            await api.http.aclose()


def module_fixtures():
    """A test module's ``env`` (a dialler of its own, Twilio faked) and its autouse
    ``_reset`` (before each test: the fixed clock, no answers queued at the fake Twilio)."""
    @pytest.fixture(scope="module")
    async def env():
        async with sms_env() as built:
            yield built

    @pytest.fixture(autouse=True)
    def _reset(env):
        env.clock.now = NOW
        env.http.answers.clear()

    return env, _reset


env, _reset = module_fixtures()  # this module's own dialler; the clock reset per test


async def texting_user(env, *, signed: bool = False, phone: str | None = None) -> int:
    """A user with an open claim and a number of their own, placed in the queues."""
    user = await env.rows.user(phone_number=phone or f"07911 2{next(_numbers):05d}",
                               signature=7 if signed else None)
    claim = await env.rows.claim(user)
    if signed:
        await env.rows.requirement(claim)
    await env.services.queues.recompute([user], "test")
    return user


async def e164_of(env, user: int) -> str:
    return await env.services.pg.fetchval("SELECT e164 FROM user_phones WHERE user_id = $1", user)


async def post_to_twilio_webhook(env, path: str, form: dict, *, signature: str | None = None,
                                 headers: dict | None = None):
    url = BASE + path
    signed = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    all_headers = {"X-Twilio-Signature": signature if signature is not None else signed,
                   **(headers or {})}
    return await env.api.http.post(path, data=form, headers=all_headers)


async def raw(env, query: str, variables: dict, token: str | None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return (await env.api.http.post("/graphql", json={"query": query, "variables": variables},
                                    headers=headers)).json()


async def message_row(env, message_id) -> dict:
    return dict(await env.services.pg.fetchrow("SELECT * FROM sms_messages WHERE id = $1",
                                               int(message_id)))


async def count_messages(env, user: int) -> int:
    return await env.services.pg.fetchval(
        "SELECT count(*) FROM sms_messages WHERE user_id = $1", user)


async def test_a_message_is_stored_then_handed_to_twilio(env):
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    before = len(env.http.messages())
    result = (await env.api(SEND, {"u": str(user), "b": "  Hello from RMC  "}, token))["sendSms"]
    assert result["__typename"] == "SmsQueued"
    message = result["message"]
    assert (message["status"], message["direction"], message["body"]) == (
        "QUEUED", "OUTBOUND", "Hello from RMC")
    (sent,) = env.http.messages()[before:]
    assert (sent["To"], sent["Body"], sent["From"]) == (await e164_of(env, user),
                                                        "Hello from RMC", "+441632960000")
    assert sent["StatusCallback"] == f"{BASE}/twilio/sms/status?m={message['id']}"
    row = await message_row(env, message["id"])
    assert row["twilio_sid"].startswith("SM") and row["attempts"] == 1
    assert row["sending_since"] is None


async def test_refusals_name_the_reason_and_store_and_send_nothing(env):
    _, token = await env.api.agent("SUPERVISOR")
    opted_out, on_dnc = await texting_user(env), await texting_user(env)
    undialable = await texting_user(env, phone="12345")
    await env.services.pg.execute(
        "INSERT INTO sms_opt_outs (e164, user_id, keyword) VALUES ($1, $2, 'STOP')",
        await e164_of(env, opted_out), opted_out)
    await env.services.pg.execute(
        "INSERT INTO do_not_call (user_id, reason) VALUES ($1, 'agent recorded DO_NOT_CALL')",
        on_dnc)
    before = len(env.http.messages())
    for user, reason in ((opted_out, "OPTED_OUT"), (on_dnc, "DO_NOT_CALL"),
                         (undialable, "UNDIALABLE"), (987_654_321_000, "UNKNOWN_USER")):
        result = (await env.api(SEND, {"u": str(user), "b": "hi"}, token))["sendSms"]
        assert (result["__typename"], result["reason"]) == ("SmsRejected", reason)
        assert result["detail"]
        assert await count_messages(env, user) == 0
    assert len(env.http.messages()) == before


@pytest.mark.parametrize("body", ["", "   ", "x" * 1601])
async def test_a_bad_body_is_bad_user_input_naming_the_field(env, body):
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    reply = await raw(env, SEND, {"u": str(user), "b": body}, token)
    assert reply["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "body"}
    assert await count_messages(env, user) == 0


async def test_who_may_send_and_read(env):
    user = await texting_user(env)
    _, integration = await env.api.agent("INTEGRATION")
    refused = await raw(env, SEND, {"u": str(user), "b": "hi"}, integration)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await raw(env, SEND, {"u": str(user), "b": "hi"}, None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count_messages(env, user) == 0
    # The main application reads contexts only, not conversations; an agent reads and
    # texts only the users they work on (tests/integration/test_access.py).
    read = await raw(env, CONVERSATION, {"u": str(user), "f": 5}, integration)
    assert read["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    _, agent = await env.api.agent()
    for query, variables in ((CONVERSATION, {"u": str(user), "f": 5}),
                             (SEND, {"u": str(user), "b": "hi"})):
        refused = await raw(env, query, variables, agent)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count_messages(env, user) == 0
    assert (await raw(env, CONVERSATION, {"u": str(user), "f": 5}, None)
            )["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("status,code", [(500, 20500), (429, 20429)])
async def test_a_temporary_twilio_failure_is_retried_and_sent_once(env, status, code):
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    env.http.answers.append(twilio_error(status, code, "try later"))
    before = len(env.http.messages())
    message = (await env.api(SEND, {"u": str(user), "b": "retry me"}, token))["sendSms"]["message"]
    assert message["status"] == "FAILED"
    assert f"HTTP {status}" in message["failureReason"]
    row = await message_row(env, message["id"])
    assert row["next_attempt_at"] == NOW + timedelta(minutes=1)
    sms = env.services.sms.sms
    assert await sms.retry_due() == 0  # not due yet
    env.clock.now = NOW + timedelta(minutes=2)
    # Two workers retrying at once still hand it over once.
    await asyncio.gather(sms.retry_due(), sms.retry_due())
    assert await sms.retry_due() == 0
    sent = [m for m in env.http.messages()[before:] if m["Body"] == "retry me"]
    assert len(sent) == 2  # the refused attempt and the one retry
    row = await message_row(env, message["id"])
    assert (row["status"], row["attempts"], row["failure_reason"]) == ("QUEUED", 2, None)
    assert row["twilio_sid"]


async def test_a_rejected_message_fails_for_good(env):
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    env.http.answers.append(twilio_error(400, 21211, "The 'To' number is not valid."))
    message = (await env.api(SEND, {"u": str(user), "b": "bad"}, token))["sendSms"]["message"]
    assert message["status"] == "FAILED" and "21211" in message["failureReason"]
    env.clock.now = NOW + timedelta(hours=2)
    before = len(env.http.messages())
    assert await env.services.sms.sms.retry_due() == 0
    assert len(env.http.messages()) == before
    assert (await message_row(env, message["id"]))["next_attempt_at"] is None


async def test_retries_stop_at_the_limit(env):
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    limit = env.services.settings.sms_max_attempts
    env.http.answers += [twilio_error(503, 20503, "unavailable")] * limit
    message = (await env.api(SEND, {"u": str(user), "b": "doomed"}, token))["sendSms"]["message"]
    for minutes in range(1, 200, 10):
        env.clock.now = NOW + timedelta(minutes=minutes)
        await env.services.sms.sms.retry_due()
    row = await message_row(env, message["id"])
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("FAILED", limit, None)


async def test_concurrent_deliveries_of_one_message_hand_it_over_once(env):
    user = await texting_user(env)
    sms = env.services.sms.sms
    to = await e164_of(env, user)  # before the transaction: one connection at a time
    async with sms.store.transaction() as tx:
        queued = await tx.queue_outbound(user_id=user, to=to,
                                         body="only once", agent_id=None, automated=False,
                                         follow_up_id=None, now=NOW)
    before = len(env.http.messages())
    results = await asyncio.gather(*(sms.deliver(queued.id) for _ in range(3)))
    assert sum(r is not None for r in results) == 1
    assert await sms.deliver(queued.id) is None  # handed over: never again
    assert [m["Body"] for m in env.http.messages()[before:]] == ["only once"]


async def test_an_interrupted_hand_off_is_failed_not_sent_again(env):
    user = await texting_user(env)
    to = await e164_of(env, user)
    async with env.services.sms.sms.store.transaction() as tx:
        queued = await tx.queue_outbound(user_id=user, to=to, body="x",
                                         agent_id=None, automated=False, follow_up_id=None,
                                         now=NOW)
        assert await tx.claim_for_send(queued.id, NOW)  # then the process "dies"
    env.clock.now = NOW + timedelta(minutes=6)
    before = len(env.http.messages())
    await env.services.sms.sms.retry_due()
    assert await env.services.sms.sms.deliver(queued.id) is None
    assert len(env.http.messages()) == before
    row = await message_row(env, queued.id)
    assert row["status"] == "FAILED" and "may have been sent" in row["failure_reason"]


async def _sent_message(env) -> tuple[int, str]:
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    message = (await env.api(SEND, {"u": str(user), "b": "status?"}, token))["sendSms"]["message"]
    return int(message["id"]), (await message_row(env, message["id"]))["twilio_sid"]


async def test_status_callbacks_move_forward_only_and_apply_once(env):
    message_id, sid = await _sent_message(env)
    path = f"/twilio/sms/status?m={message_id}"

    async def report(status: str, token: str, **extra):
        response = await post_to_twilio_webhook(
            env, path, {"MessageSid": sid, "MessageStatus": status, **extra},
            headers={"I-Twilio-Idempotency-Token": token})
        assert response.status_code == 204
        return (await message_row(env, message_id))["status"]

    assert await report("sent", "t1") == "SENT"
    assert await report("undelivered", "t2", ErrorCode="30003") == "UNDELIVERED"
    assert await report("sent", "t3") == "UNDELIVERED"  # late and older: ignored
    assert await report("delivered", "t4") == "UNDELIVERED"  # a final status stays
    assert (await message_row(env, message_id))["failure_reason"] == "Twilio error 30003"
    keys = await env.services.pg.fetch("SELECT key FROM webhook_receipts WHERE key = ANY($1)",
                                       ["idem:t1", "idem:t2", "idem:t3", "idem:t4"])
    assert len(keys) == 4
    # Twilio retrying the same webhook (same idempotency token) changes nothing.
    other_id, other_sid = await _sent_message(env)
    first = await post_to_twilio_webhook(
        env, f"/twilio/sms/status?m={other_id}",
        {"MessageSid": other_sid, "MessageStatus": "delivered"},
        headers={"I-Twilio-Idempotency-Token": "t1"})
    assert first.status_code == 204
    assert (await message_row(env, other_id))["status"] == "QUEUED"


async def test_forged_or_missing_signatures_are_refused_and_change_nothing(env):
    message_id, sid = await _sent_message(env)
    form = {"MessageSid": sid, "MessageStatus": "delivered"}
    path = f"/twilio/sms/status?m={message_id}"
    forged = RequestValidator("not-our-token").compute_signature(BASE + path, form)
    assert (await post_to_twilio_webhook(env, path, form, signature=forged)).status_code == 403
    assert (await post_to_twilio_webhook(env, path, form, signature="")).status_code == 403
    # Signed for another message id: the query string is part of what Twilio signs.
    moved = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path + "0", form)
    assert (await post_to_twilio_webhook(env, path, form, signature=moved)).status_code == 403
    assert (await message_row(env, message_id))["status"] == "QUEUED"
    inbound = {"From": "+447911000000", "To": "+441632960000", "Body": "STOP",
               "MessageSid": "SMforged"}
    assert (await post_to_twilio_webhook(env, "/twilio/sms/inbound", inbound,
                                         signature="bogus")).status_code == 403
    assert await env.services.pg.fetchval(
        "SELECT count(*) FROM sms_messages WHERE twilio_sid = 'SMforged'") == 0


async def test_a_conversation_pages_back_in_time_oldest_first_within_a_page(env):
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    bodies = []
    for n in range(7):
        env.clock.now = NOW + timedelta(minutes=n)
        if n % 3 == 2:  # some of the user's replies in between
            body = f"reply {n}"
            response = await post_to_twilio_webhook(env, "/twilio/sms/inbound", {
                "From": await e164_of(env, user), "To": "+441632960000", "Body": body,
                "MessageSid": f"SM{uuid.uuid4().hex}"})
            assert response.status_code == 200
        else:
            body = f"message {n}"
            await env.api(SEND, {"u": str(user), "b": body}, token)
        bodies.append(body)
    pages, after = [], None
    while True:
        page = (await env.api(CONVERSATION, {"u": str(user), "f": 3, "a": after},
                              token))["conversation"]
        assert page["totalCount"] == 7
        pages.append([e["node"]["body"] for e in page["edges"]])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [bodies[4:7], bodies[1:4], bodies[0:1]]
    directions = {e: d for e, d in zip(bodies, ["OUTBOUND", "OUTBOUND", "INBOUND"] * 3,
                                       strict=False)}
    assert directions["reply 2"] == "INBOUND"
    bad = await raw(env, CONVERSATION, {"u": str(user), "f": 0}, token)
    assert bad["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    bad = await raw(env, CONVERSATION, {"u": str(user), "f": 3, "a": "nope"}, token)
    assert bad["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


async def test_sms_hours_bind_automated_sends_only(env):
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    env.clock.now = NOW.replace(hour=21)
    automated = await env.services.sms.sms.send(user, "a reminder", automated=True)
    assert automated.value == "OUTSIDE_SMS_HOURS"
    assert await count_messages(env, user) == 0
    manual = (await env.api(SEND, {"u": str(user), "b": "as you asked"}, token))["sendSms"]
    assert manual["__typename"] == "SmsQueued"


async def test_record_only_mode_sends_nothing_and_fails_nothing():
    gateway = TwilioRest(None, None)
    assert gateway.record_only
    sent = await gateway.send_sms("+447911000001", "hello", None)
    assert sent.sid.startswith("SMrecorded") and sent.status == "queued"
    assert gateway.recorded == [{"action": "sms", "to": "+447911000001", "body": "hello",
                                 "status_callback": None}]
    assert await gateway.delete_recording("RE123") is True


async def test_recordings_are_deleted_through_twilios_api(env):
    http = FakeTwilioHttp()
    gateway = TwilioRest.from_settings(env.services.settings, http_client=http)
    http.answers += [(204, {}), twilio_error(404, 20404, "not found")]
    assert await gateway.delete_recording("RE1") is True
    assert await gateway.delete_recording("RE2") is False  # already gone
    assert [(r["method"], r["uri"].rsplit("/", 1)[-1]) for r in http.requests] == [
        ("DELETE", "RE1.json"), ("DELETE", "RE2.json")]


async def test_a_status_report_without_our_id_is_matched_by_twilios_sid(env):
    message_id, sid = await _sent_message(env)
    response = await post_to_twilio_webhook(env, "/twilio/sms/status",
                                            {"MessageSid": sid, "MessageStatus": "delivered"})
    assert response.status_code == 204
    assert (await message_row(env, message_id))["status"] == "DELIVERED"
    unknown = await post_to_twilio_webhook(env, "/twilio/sms/status",
                                           {"MessageSid": "SMnobody", "MessageStatus": "sent"})
    assert unknown.status_code == 204  # acknowledged, nothing to change
