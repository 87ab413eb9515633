"""Browser calls through the TwiML webhook, Twilio's status and recording callbacks, the calls
list and voice tokens, against real PostgreSQL, MariaDB and Redis; webhooks signed with
Twilio's own RequestValidator."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from contextlib import asynccontextmanager
from datetime import timedelta
from email.utils import format_datetime

import pytest
from twilio.request_validator import RequestValidator

from tests.integration.test_leads import NEXT, Api
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration

ACCOUNT = "AC" + "1" * 32
AUTH_TOKEN = "0123456789abcdef" * 2  # Twilio auth tokens are 32 hex digits
APP_SID = "AP" + "2" * 32
CALLER_ID = "+441615550100"
BASE = "https://dialler.example.com"
TWILIO = {"twilio_account_sid": ACCOUNT, "twilio_auth_token": AUTH_TOKEN,
          "twilio_caller_id": CALLER_ID, "twilio_twiml_app_sid": APP_SID,
          "public_base_url": BASE}
class Twilio:
    """Posts webhooks as Twilio does: form-encoded, signed over the public URL."""

    def __init__(self, http, token: str = AUTH_TOKEN):
        self.http, self.token = http, token

    async def post(self, path: str, form: dict[str, str], *, token: str | None = None,
                   signature: str | None = None, headers: dict | None = None):
        if signature is None:
            signature = RequestValidator(token or self.token).compute_signature(BASE + path,
                                                                                form)
        return await self.http.post(path, data=form,
                                    headers={"X-Twilio-Signature": signature, **(headers or {})})


def sid(prefix: str = "CA") -> str:
    return prefix + uuid.uuid4().hex


def browser_form(agent_id, user_id, call_sid: str) -> dict[str, str]:
    return {"AccountSid": ACCOUNT, "ApplicationSid": APP_SID, "CallSid": call_sid,
            "CallStatus": "ringing", "Direction": "inbound", "From": f"client:agent-{agent_id}",
            "Caller": f"client:agent-{agent_id}", "userId": str(user_id)}


def status_form(parent: str, status: str, seconds: int, duration: int | None = None,
                child: str | None = None) -> dict[str, str]:
    form = {"AccountSid": ACCOUNT, "CallSid": child or parent.replace("CA", "CB", 1),
            "ParentCallSid": parent, "CallStatus": status, "Direction": "outbound-dial",
            "From": CALLER_ID, "To": "+447911123456",
            "Timestamp": format_datetime(NOW + timedelta(seconds=seconds))}
    if duration is not None:
        form["CallDuration"] = str(duration)
    return form


def recording_form(call_sid: str, recording_sid: str) -> dict[str, str]:
    return {"AccountSid": ACCOUNT, "CallSid": call_sid, "RecordingSid": recording_sid,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/"
                            f"{recording_sid}", "RecordingStatus": "completed",
            "RecordingDuration": "40", "RecordingChannels": "2"}


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


@asynccontextmanager
async def voice_env():
    """(services, rows, clock, api, twilio) with Twilio configured, for the voice tests."""
    async with queue_env(**TWILIO) as (services, rows, clock):
        api = Api(services)
        try:
            yield services, rows, clock, api, Twilio(api.http)
        finally:
            await api.http.aclose()


@pytest.fixture(scope="module")
async def env():
    async with voice_env() as built:
        yield built


@pytest.fixture(autouse=True)
def reset_clock(env):
    env[2].now = NOW
    yield
    env[2].now = NOW


async def leased(env, role: str = "AGENT"):
    """A new callable user, and an agent holding a lead (agent, token, leased user id)."""
    services, rows, _, api, _ = env
    user = await rows.user(signature=None)
    await rows.claim(user)
    await services.queues.recompute([user], "test")
    agent, token = await api.agent(role)
    lead = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]
    return agent, token, int(lead["assignment"]["user"]["id"]), lead["assignment"]["id"]


async def placed(env):
    """A call the agent's browser placed and Twilio is dialling: (agent, token, user, sid)."""
    agent, token, user, assignment = await leased(env)
    call_sid = sid()
    root = twiml(await env[4].post("/twilio/voice", browser_form(agent.id, user, call_sid)))
    assert root.find("Dial") is not None
    return agent, token, user, call_sid, assignment


async def call_row(services, call_sid: str):
    async with services.pg.acquire() as conn:
        return await conn.fetchrow("SELECT * FROM calls WHERE twilio_sid = $1", call_sid)


async def counts(services) -> tuple[int, int]:
    async with services.pg.acquire() as conn:
        return (await conn.fetchval("SELECT count(*) FROM calls"),
                await conn.fetchval("SELECT count(*) FROM webhook_receipts"))


async def test_a_leased_user_is_dialled_from_the_caller_id_with_dual_recording(env):
    services, _, _, _, twilio = env
    agent, _, user, _ = await leased(env)
    call_sid = sid()
    root = twiml(await twilio.post("/twilio/voice", browser_form(agent.id, user, call_sid)))
    dial = root.find("Dial")
    assert dial.attrib["callerId"] == CALLER_ID
    assert dial.attrib["record"] == "record-from-answer-dual"
    assert dial.attrib["recordingStatusCallback"] == f"{BASE}/twilio/voice/recording"
    number = dial.find("Number")
    assert number.text == "+447911123456"
    assert number.attrib["statusCallback"] == f"{BASE}/twilio/voice/status"
    assert set(number.attrib["statusCallbackEvent"].split()) == {
        "initiated", "ringing", "answered", "completed"}
    row = await call_row(services, call_sid)
    assert (row["direction"], row["status"], row["user_id"], row["agent_id"]) == (
        "OUTBOUND", "QUEUED", user, agent.id)
    async with services.pg.acquire() as conn:
        lease = await conn.fetchrow("SELECT lease_id, queue_type FROM queue_entries "
                                    "WHERE user_id = $1", user)
    assert (row["lease_id"], row["queue_type"]) == (lease["lease_id"], lease["queue_type"])
    assert (row["from_number"], row["to_number"]) == (CALLER_ID, "+447911123456")
    # Twilio retrying the same webhook dials again but keeps one row.
    twiml(await twilio.post("/twilio/voice", browser_form(agent.id, user, call_sid)))
    async with services.pg.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM calls WHERE twilio_sid = $1",
                                   call_sid) == 1


async def test_the_customer_hears_the_recording_notice_on_answer_before_the_agent(
        env, monkeypatch):
    services, _, _, _, twilio = env
    notice = "Calls with RMC are recorded & kept <for> quality and compliance."
    monkeypatch.setattr(services.settings, "recording_notice", notice)
    agent, _, user, _ = await leased(env)
    call_sid = sid()
    root = twiml(await twilio.post("/twilio/voice", browser_form(agent.id, user, call_sid)))
    number = root.find("Dial").find("Number")
    # Twilio fetches the number's url when the customer answers and plays it to them alone,
    # then bridges the agent.
    assert (number.attrib["url"], number.attrib["method"]) == (
        f"{BASE}/twilio/voice/notice", "POST")
    assert root.find("Say") is None  # the agent's leg is not told; the customer is
    before = (await counts(services), await call_row(services, call_sid))
    answered = status_form(call_sid, "in-progress", 5)  # what Twilio posts for the child leg
    whisper = twiml(await twilio.post("/twilio/voice/notice", answered))
    assert [(e.tag, e.text, e.attrib.get("language")) for e in whisper] == [
        ("Say", notice, "en-GB")]
    assert (await counts(services), await call_row(services, call_sid)) == before


def assert_refused(root: ET.Element, words: str) -> None:
    assert root.find("Dial") is None
    assert words in root.find("Say").text
    assert root.find("Hangup") is not None


async def assert_refused_unchanged(services, twilio, agent_id, user: int, why: str) -> None:
    """The browser call is refused saying ``why``, and no call or receipt row is written."""
    before = await counts(services)
    root = twiml(await twilio.post("/twilio/voice", browser_form(agent_id, user, sid())))
    assert_refused(root, why)
    assert await counts(services) == before


async def test_an_undialable_number_is_refused(env):
    services, rows, _, api, twilio = env
    user = await rows.user(signature=None, phone_number="12345")
    await rows.claim(user)
    await services.queues.recompute([user], "test")
    agent, _ = await api.agent()
    await assert_refused_unchanged(services, twilio, agent.id, user, "cannot be dialled")


async def test_a_user_on_do_not_call_is_refused(env):
    services, _, _, _, twilio = env
    agent, _, user, _ = await leased(env)
    async with services.pg.acquire() as conn:
        await conn.execute("INSERT INTO do_not_call (user_id, reason) VALUES ($1, 'STOP')", user)
    await assert_refused_unchanged(services, twilio, agent.id, user, "do not call")


async def test_a_user_leased_to_another_agent_is_refused(env):
    services, _, _, api, twilio = env
    _, _, user, _ = await leased(env)
    other, _ = await api.agent()
    await assert_refused_unchanged(services, twilio, other.id, user, "not assigned to you")


async def test_outside_the_calling_window_is_refused(env):
    services, _, clock, _, twilio = env
    agent, _, user, _ = await leased(env)
    clock.now = NOW.replace(hour=20, minute=1)
    await assert_refused_unchanged(services, twilio, agent.id, user, "outside the calling window")


async def test_a_caller_that_is_not_an_agent_or_names_no_user_is_refused(env):
    services, _, _, _, twilio = env
    agent, _, user, _ = await leased(env)
    form = browser_form(agent.id, user, sid())
    assert_refused(twiml(await twilio.post("/twilio/voice", form | {"From": "client:bob"})),
                   "not come from a dialler agent")
    assert_refused(twiml(await twilio.post("/twilio/voice", form | {"userId": "x"})),
                   "No customer")


@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/voice/status",
                                  "/twilio/voice/recording", "/twilio/voice/inbound",
                                  "/twilio/voice/inbound/result", "/twilio/voice/notice"])
async def test_unsigned_or_forged_webhooks_are_refused_and_change_nothing(env, path):
    services, _, _, _, twilio = env
    agent, _, user, call_sid, _ = await placed(env)
    form = browser_form(agent.id, user, call_sid) | status_form(call_sid, "completed", 9, 9) \
        | recording_form(call_sid, sid("RE")) | {"DialCallStatus": "no-answer"}
    before, row = await counts(services), await call_row(services, call_sid)
    signed = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)
    for response in (
        await twilio.http.post(path, data=form),  # no signature at all
        await twilio.post(path, form, token="not-the-auth-token"),  # forged
        await twilio.post(path, form | {"CallStatus": "busy"}, signature=signed),  # tampered
    ):
        assert response.status_code == 403
    assert await counts(services) == before
    assert await call_row(services, call_sid) == row


async def test_status_callbacks_move_the_call_forward_only_and_once(env):
    services, _, _, _, twilio = env
    _, _, _, call_sid, _ = await placed(env)
    for form in (status_form(call_sid, "initiated", 0), status_form(call_sid, "ringing", 2),
                 status_form(call_sid, "in-progress", 5),
                 status_form(call_sid, "completed", 47, duration=42)):
        assert (await twilio.post("/twilio/voice/status", form)).status_code == 200
    row = await call_row(services, call_sid)
    assert (row["status"], row["talk_seconds"]) == ("COMPLETED", 42)
    assert (row["answered_at"], row["ended_at"]) == (NOW + timedelta(seconds=5),
                                                     NOW + timedelta(seconds=47))
    # Late and repeated callbacks: completed stays completed, nothing else moves.
    for form in (status_form(call_sid, "ringing", 3), status_form(call_sid, "no-answer", 60),
                 status_form(call_sid, "completed", 47, duration=42)):
        assert (await twilio.post("/twilio/voice/status", form)).status_code == 200
    assert await call_row(services, call_sid) == row


async def test_the_browsers_own_leg_does_not_count_as_the_customer_answering(env):
    services, _, _, _, twilio = env
    _, _, _, call_sid, _ = await placed(env)
    own_leg = status_form(call_sid, "in-progress", 1, child=call_sid)
    del own_leg["ParentCallSid"]
    assert (await twilio.post("/twilio/voice/status", own_leg)).status_code == 200
    row = await call_row(services, call_sid)
    assert (row["status"], row["answered_at"]) == ("QUEUED", None)


async def test_out_of_order_callbacks_end_where_twilio_ended(env):
    services, _, _, _, twilio = env
    _, _, _, call_sid, _ = await placed(env)
    for form in (status_form(call_sid, "completed", 47, duration=42),
                 status_form(call_sid, "in-progress", 5), status_form(call_sid, "ringing", 2)):
        await twilio.post("/twilio/voice/status", form)
    row = await call_row(services, call_sid)
    assert (row["status"], row["talk_seconds"], row["answered_at"]) == (
        "COMPLETED", 42, NOW + timedelta(seconds=5))


async def test_bad_callback_fields_are_a_clear_400_and_change_nothing(env):
    services, _, _, _, twilio = env
    _, _, _, call_sid, _ = await placed(env)
    before, row = await counts(services), await call_row(services, call_sid)
    response = await twilio.post("/twilio/voice/status", status_form(call_sid, "exploded", 4))
    assert response.status_code == 400 and "CallStatus 'exploded'" in response.text
    response = await twilio.post("/twilio/voice/status",
                                 status_form(call_sid, "completed", 4) | {"CallDuration": "-3"})
    assert response.status_code == 400 and "CallDuration" in response.text
    assert await counts(services) == before
    assert await call_row(services, call_sid) == row


async def test_a_retried_recording_callback_is_applied_once(env):
    services, _, _, _, twilio = env
    _, _, _, call_sid, _ = await placed(env)
    first, second = recording_form(call_sid, sid("RE")), recording_form(call_sid, sid("RE"))
    await twilio.post("/twilio/voice/recording", first)
    await twilio.post("/twilio/voice/recording", second)
    # The first one again (Twilio retrying after a timeout): without the receipt it would
    # overwrite the newer recording.
    assert (await twilio.post("/twilio/voice/recording", first)).status_code == 200
    row = await call_row(services, call_sid)
    assert (row["recording_sid"], row["recording_url"]) == (second["RecordingSid"],
                                                           second["RecordingUrl"])
    # Twilio's idempotency header identifies a retry even when fields differ (timestamps).
    token = {"I-Twilio-Idempotency-Token": uuid.uuid4().hex}
    await twilio.post("/twilio/voice/recording", recording_form(call_sid, sid("RE")),
                      headers=token)
    again = recording_form(call_sid, sid("RE"))
    await twilio.post("/twilio/voice/recording", again, headers=token)
    assert (await call_row(services, call_sid))["recording_sid"] != again["RecordingSid"]
