"""Recording retention through twilio.rest.Client (faked only at its HTTP client), and the
record-only default: no token signed with a made-up key, no deletion sent."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

import pytest
from pydantic import SecretStr
from twilio.http import HttpClient
from twilio.http.response import Response

from infrastructure.settings import Settings
from infrastructure.twilio.voice import TwilioVoiceGateway
from service_layer.voice import purge_expired_recordings
from tests.conftest import TEST_SECRET, error_codes
from tests.integration.test_voice import ACCOUNT, AUTH_TOKEN, TWILIO, Twilio, sid
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration


class TwilioApi(HttpClient):
    """Twilio's REST API at the HTTP boundary: records each request, answers per recording."""

    def __init__(self, statuses: dict[str, int] | None = None):
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.statuses, self.requests = statuses or {}, []

    def request(self, method, url, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        self.requests.append((method, url, auth))
        status = self.statuses.get(url.rsplit("/", 1)[-1].removesuffix(".json"), 204)
        body = "" if status == 204 else json.dumps(
            {"code": 20404 if status == 404 else 20500, "message": "no", "status": status})
        return Response(status, body)


@pytest.fixture(scope="module")
async def env():
    async with queue_env(**TWILIO) as (services, _, _):
        yield services


async def recorded_call(services, months_ago: int, deleted: bool = False) -> tuple[uuid.UUID,
                                                                                   str]:
    call_id, recording = uuid.uuid4(), sid("RE")
    started = NOW - timedelta(days=31 * months_ago)
    async with services.pg.acquire() as conn:
        await conn.execute(
            "INSERT INTO calls (id, twilio_sid, direction, status, user_id, started_at, "
            "recording_sid, recording_url, recording_deleted_at) VALUES "
            "($1, $2, 'OUTBOUND', 'COMPLETED', 7, $3, $4, $5, $6)", call_id, sid(), started,
            recording, f"https://api.twilio.com/Recordings/{recording}",
            NOW - timedelta(days=1) if deleted else None)
    return call_id, recording


async def recording_of(services, call_id):
    async with services.pg.acquire() as conn:
        return await conn.fetchrow("SELECT recording_sid, recording_url, recording_deleted_at "
                                   "FROM calls WHERE id = $1", call_id)


async def test_expired_recordings_are_deleted_at_twilio_and_cleared(env):
    services = env
    expired, gone, broken = [await recorded_call(services, 13) for _ in range(3)]
    recent = await recorded_call(services, 11)
    already = await recorded_call(services, 20, deleted=True)
    api = TwilioApi({gone[1]: 404, broken[1]: 500})
    gateway = TwilioVoiceGateway(services.settings, http_client=api)
    report = await purge_expired_recordings(services.voice.recordings, gateway,
                                            retention_months=12, now=NOW)
    assert (report.deleted, report.failed, report.skipped) == (2, 1, 0)
    assert sorted(api.requests) == sorted(
        ("DELETE", f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{r}.json",
         (ACCOUNT, AUTH_TOKEN)) for _, r in (expired, gone, broken))
    for call_id, recording in (expired, gone):
        assert tuple(await recording_of(services, call_id)) == (recording, None, NOW)
    for call_id, recording in (broken, recent):
        row = await recording_of(services, call_id)
        assert (row["recording_url"], row["recording_deleted_at"]) == (
            f"https://api.twilio.com/Recordings/{recording}", None)
    assert (await recording_of(services, already[0]))["recording_deleted_at"] != NOW
    # Run again: only the one that failed is tried again.
    api.requests.clear()
    again = await purge_expired_recordings(services.voice.recordings, gateway,
                                           retention_months=12, now=NOW)
    assert ([r[1].rsplit("/", 1)[-1] for r in api.requests], again.failed) == (
        [f"{broken[1]}.json"], 1)


async def test_an_api_key_signs_requests_when_configured(env):
    services = env
    call_id, recording = await recorded_call(services, 30)
    settings = services.settings.model_copy(update={
        "twilio_api_key_sid": "SK" + "3" * 32, "twilio_api_key_secret": SecretStr("key-secret")})
    api = TwilioApi()
    report = await purge_expired_recordings(
        services.voice.recordings, TwilioVoiceGateway(settings, http_client=api),
        retention_months=24, now=NOW)
    assert report.deleted >= 1
    assert {r[2] for r in api.requests} == {("SK" + "3" * 32, "key-secret")}
    assert (await recording_of(services, call_id))["recording_deleted_at"] == NOW


async def test_record_only_mode_deletes_and_marks_nothing(env):
    services = env
    call_id, _ = await recorded_call(services, 40)
    record_only = TwilioVoiceGateway(Settings(jwt_secret=TEST_SECRET, _env_file=None))
    report = await purge_expired_recordings(services.voice.recordings, record_only,
                                            retention_months=12, now=NOW)
    assert report.deleted == 0 and report.skipped >= 1
    assert (await recording_of(services, call_id))["recording_deleted_at"] is None


def test_a_token_needs_every_setting_and_says_which_is_missing(env):
    from domain.calls.voice import VoiceNotConfigured

    partial = env.settings.model_copy(update={"twilio_twiml_app_sid": None})
    with pytest.raises(VoiceNotConfigured, match="TWILIO_TWIML_APP_SID"):
        TwilioVoiceGateway(partial).issue_token("agent-x", 60, NOW)


async def test_voice_token_in_record_only_mode_is_a_clear_error(gql, make_agent):
    _, token = await make_agent("AGENT")
    body = await gql("{ voiceToken { token identity expiresAt } }", token=token)
    assert error_codes(body) == ["TWILIO_NOT_CONFIGURED"]
    assert "TWILIO_ACCOUNT_SID" in body["errors"][0]["message"]
    assert body["data"] is None


async def test_webhooks_are_refused_without_an_auth_token(client):
    form = {"CallSid": sid(), "From": "client:agent-x", "userId": "1"}
    for path in ("/twilio/voice", "/twilio/voice/status", "/twilio/voice/inbound"):
        response = await Twilio(client).post(path, form)
        assert response.status_code == 403
