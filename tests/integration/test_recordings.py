"""GET /recordings/{callId}: a recording streamed from Twilio (faked only at its HTTP
boundary), ranges for seeking, who may listen, every play audited, and each reason there
is nothing to play."""

from __future__ import annotations

import base64
import dataclasses
import re
import uuid
from datetime import timedelta

import httpx
import pytest

from domain.agents.sessions import Principal
from graphql_api.app import create_app
from infrastructure.twilio.recordings import TwilioRecordingMedia
from service_layer.agents import create_agent
from service_layer.recordings import PLAYED, Recordings
from tests.integration.test_voice import ACCOUNT, AUTH_TOKEN, TWILIO
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
AUDIO = bytes(range(256)) * 400  # 102,400 bytes
GONE, BROKEN = "RE" + "0" * 32, "RE" + "5" * 32
CALLS = "query($u: ID!) { calls(userId: $u, first: 5) { edges { node { id recordingUrl } } } }"


class FakeTwilio:
    """Twilio's recordings endpoint: the audio for any RE… but GONE (404) and BROKEN (500),
    with HTTP ranges as its media store serves them."""

    def __init__(self):
        self.asked: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request)
        found = re.fullmatch(rf"/2010-04-01/Accounts/{ACCOUNT}/Recordings/(RE\w+)\.mp3",
                             request.url.path)
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{AUTH_TOKEN}".encode()).decode()
        if request.url.host != "api.twilio.com" or request.headers.get(
                "authorization") != expected:
            return httpx.Response(401)
        if not found or found.group(1) == GONE:
            return httpx.Response(404, json={"code": 20404})
        if found.group(1) == BROKEN:
            return httpx.Response(500)
        asked = request.headers.get("range")
        if not asked:
            return httpx.Response(200, content=AUDIO, headers={
                "content-type": "audio/mpeg", "accept-ranges": "bytes"})
        start, _, end = asked.removeprefix("bytes=").partition("-")
        first, last = int(start), min(int(end) if end else len(AUDIO) - 1, len(AUDIO) - 1)
        return httpx.Response(206, content=AUDIO[first:last + 1], headers={
            "content-type": "audio/mpeg", "accept-ranges": "bytes",
            "content-range": f"bytes {first}-{last}/{len(AUDIO)}"})


@pytest.fixture(scope="module")
async def env():
    async with queue_env(**TWILIO) as (services, _, clock):
        twilio = FakeTwilio()
        media = TwilioRecordingMedia(ACCOUNT, AUTH_TOKEN, transport=httpx.MockTransport(twilio))
        playing = dataclasses.replace(services, recordings=Recordings(
            services.recordings.store, media, services.access_rule, services.audit_writer,
            services.clock))
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(playing)),
                                 base_url="http://t")
        yield services, clock, http, twilio
        await http.aclose()
        await media.close()


@pytest.fixture(autouse=True)
def _at_now(env):
    env[1].now = NOW


async def _person(services, role: str) -> tuple[uuid.UUID, str]:
    agent = await create_agent(services.uow(), services.hasher,
                               policy=services.password_policy,
                               email=f"{uuid.uuid4().hex[:8]}@example.com",
                               password="a long enough password", name="P", role=role, at=NOW)
    return agent.id, services.tokens.issue(Principal(agent.id, agent.role)).token


async def _call(services, agent=None, recording: str | None = "RE" + "7" * 32, *,
                started=NOW - timedelta(hours=1), deleted=False, user: int = 7) -> uuid.UUID:
    call_id = uuid.uuid4()
    async with services.pg.acquire() as conn:
        await conn.execute(
            "INSERT INTO calls (id, twilio_sid, direction, status, user_id, agent_id, "
            "started_at, recording_sid, recording_url, recording_deleted_at) VALUES "
            "($1, $2, 'OUTBOUND', 'COMPLETED', $8, $3, $4, $5, $6, $7)", call_id,
            "CA" + uuid.uuid4().hex, agent, started, recording,
            f"https://api.twilio.com/Recordings/{recording}" if recording else None,
            NOW if deleted else None, user)
    return call_id


async def _get(http, call_id, token: str | None, byte_range: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if byte_range:
        headers["Range"] = byte_range
    return await http.get(f"/recordings/{call_id}", headers=headers)


async def test_a_supervisor_hears_the_whole_recording_and_the_play_is_audited(env):
    services, _, http, twilio = env
    supervisor, token = await _person(services, "SUPERVISOR")
    call = await _call(services)
    response = await _get(http, call, token)
    assert response.status_code == 200 and response.content == AUDIO
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["accept-ranges"] == "bytes"
    assert "authorization" not in {k.lower() for k in response.headers}
    await services.audit_writer.flush()
    async with services.pg.acquire() as conn:
        row = await conn.fetchrow("SELECT kind, user_id, operation FROM audit_log "
                                  "WHERE agent_id = $1 ORDER BY id DESC LIMIT 1", supervisor)
    assert (row["kind"], row["user_id"], row["operation"]) == ("READ", 7, PLAYED)


@pytest.mark.parametrize(("asked", "status", "body", "content_range"), [
    ("bytes=100-199", 206, AUDIO[100:200], f"bytes 100-199/{len(AUDIO)}"),
    ("bytes=102000-", 206, AUDIO[102000:], f"bytes 102000-102399/{len(AUDIO)}"),
])
async def test_a_range_is_passed_on_so_a_player_can_seek(env, asked, status, body,
                                                         content_range):
    services, _, http, twilio = env
    _, token = await _person(services, "SUPERVISOR")
    response = await _get(http, await _call(services), token, asked)
    assert (response.status_code, response.content) == (status, body)
    assert response.headers["content-range"] == content_range
    assert response.headers["content-length"] == str(len(body))
    assert twilio.asked[-1].headers["range"] == asked


async def test_the_agent_on_the_call_hears_it_for_work_on_hours_and_nobody_else(env):
    services, clock, http, _ = env
    on_call, on_token = await _person(services, "AGENT")
    _, other = await _person(services, "AGENT")
    _, integration = await _person(services, "INTEGRATION")
    call = await _call(services, on_call)
    assert (await _get(http, call, on_token)).status_code == 200
    for token in (other, integration):
        refused = await _get(http, call, token)
        assert refused.status_code == 403 and "the agent on the call" in refused.json()[
            "message"]
    clock.now = NOW + timedelta(hours=24)  # 25 h after the call
    late = await _get(http, call, on_token)
    assert late.status_code == 403 and "for 24 hours" in late.json()["message"]
    assert (await _get(http, call, None)).status_code == 401


@pytest.mark.parametrize(("kind", "says", "status"), [
    ("unrecorded", "this call was not recorded", 404),
    ("deleted", "deleted after its retention period", 404),
    ("gone", "Twilio no longer has this recording", 404),
    ("broken", "Twilio answered 500", 502),
    ("unknown", "there is no call", 404),
    ("not-an-id", "is not a call id", 404),
])
async def test_each_reason_there_is_nothing_to_play_is_named(env, kind, says, status):
    services, _, http, _ = env
    _, token = await _person(services, "SUPERVISOR")
    call = {"unrecorded": lambda: _call(services, recording=None),
            "deleted": lambda: _call(services, deleted=True),
            "gone": lambda: _call(services, recording=GONE),
            "broken": lambda: _call(services, recording=BROKEN)}.get(kind)
    target = await call() if call else (uuid.uuid4() if kind == "unknown" else "nope")
    response = await _get(http, target, token)
    assert response.status_code == status and says in response.json()["message"]


async def test_without_twilio_configured_it_says_so(env):
    services, _, _, _ = env
    unconfigured = dataclasses.replace(services, recordings=Recordings(
        services.recordings.store, TwilioRecordingMedia(None, None), services.access_rule,
        services.audit_writer, services.clock))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(unconfigured)),
                                 base_url="http://t") as http:
        _, token = await _person(services, "SUPERVISOR")
        response = await _get(http, await _call(services), token)
    assert response.status_code == 404 and "Twilio, which is not configured" in response.json()[
        "message"]


async def test_a_calls_recording_url_points_at_the_api(env):
    services, _, http, _ = env
    _, token = await _person(services, "SUPERVISOR")
    recorded, silent = await _call(services, user=8), await _call(services, recording=None,
                                                                 user=8)
    response = await http.post("/graphql", json={"query": CALLS, "variables": {"u": "8"}},
                               headers={"Authorization": f"Bearer {token}"})
    urls = {e["node"]["id"]: e["node"]["recordingUrl"]
            for e in response.json()["data"]["calls"]["edges"]}
    assert urls.get(str(recorded)) == f"/recordings/{recorded}"
    assert urls == {str(recorded): f"/recordings/{recorded}", str(silent): None}
