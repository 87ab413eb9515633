"""The calls API: UserCalls paging, who may ask, voice tokens, and dispositions tied to calls."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest

from tests.integration.test_leads import DISPOSE
from tests.integration.test_voice import (  # env, reset_clock: the same fixtures
    ACCOUNT,
    APP_SID,
    AUTH_TOKEN,
    browser_form,
    call_row,
    leased,
    placed,
    sid,
    status_form,
    twiml,
    voice_env,
)
from tests.queue_env import NOW

pytestmark = pytest.mark.integration
USER_CALLS = """query($u: ID!, $first: Int!, $after: String) {
  calls(userId: $u, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id direction status outcome startedAt answeredAt endedAt talkSeconds
                   recordingUrl agent { id name } } } } }"""


@pytest.fixture(scope="module")
async def env():
    async with voice_env() as built:
        yield built


@pytest.fixture(autouse=True)
def reset_clock(env):
    env[2].now = NOW
    yield
    env[2].now = NOW


async def test_a_disposition_with_the_call_sid_marks_the_call(env):
    services, _, _, api, _ = env
    agent, token, user, call_sid, assignment = await placed(env)
    wrong = (await api(DISPOSE, {"i": {"assignmentId": assignment, "outcome": "CONTACTED",
                                       "callSid": sid()}}, token))["recordDisposition"]
    assert wrong["__typename"] == "DispositionRejected" and "callSid" in wrong["message"]
    assert (await call_row(services, call_sid))["outcome"] is None
    done = (await api(DISPOSE, {"i": {"assignmentId": assignment, "outcome": "CONTACTED",
                                      "callSid": call_sid}}, token))["recordDisposition"]
    assert done["__typename"] == "DispositionRecorded"
    row = await call_row(services, call_sid)
    async with services.pg.acquire() as conn:
        disposition = await conn.fetchval("SELECT id FROM dispositions WHERE lease_id = $1",
                                          uuid.UUID(assignment))
    assert (row["outcome"], row["disposition_id"]) == ("contacted", disposition)


async def test_user_calls_pages_newest_first_with_the_agent(env):
    services, _, clock, api, twilio = env
    agent, token, user, _ = await leased(env)
    sids = []
    for minute in range(5):
        clock.now = NOW + timedelta(minutes=minute)
        sids.append(sid())
        twiml(await twilio.post("/twilio/voice", browser_form(agent.id, user, sids[-1])))
    await twilio.post("/twilio/voice/status", status_form(sids[0], "completed", 30, 25))
    seen, after = [], None
    while True:
        page = (await api(USER_CALLS, {"u": str(user), "first": 2, "after": after},
                          token))["calls"]
        assert page["totalCount"] == 5
        seen += [e["node"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    ids = {str((await call_row(services, s))["id"]): s for s in sids}
    assert [ids[n["id"]] for n in seen] == list(reversed(sids))
    assert all(n["agent"] == {"id": str(agent.id), "name": agent.name} for n in seen)
    assert (seen[-1]["status"], seen[-1]["talkSeconds"]) == ("COMPLETED", 25)
    assert seen[0]["direction"] == "OUTBOUND" and seen[0]["recordingUrl"] is None


async def test_user_calls_validates_its_arguments(env):
    _, _, _, api, _ = env
    _, token = await api.agent("SUPERVISOR")
    for variables, field in (({"u": "1", "first": 0}, "first"), ({"u": "1", "first": 501},
                                                                 "first"),
                             ({"u": "1", "first": 5, "after": "nope!"}, "after"),
                             ({"u": "x", "first": 5}, "userId")):
        body = (await api.http.post("/graphql", json={"query": USER_CALLS,
                                                      "variables": variables},
                                    headers={"Authorization": f"Bearer {token}"})).json()
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def _errors(api, query: str, variables: dict, token: str | None) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = (await api.http.post("/graphql", json={"query": query, "variables": variables},
                                headers=headers)).json()
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_who_may_list_calls_and_get_voice_tokens(env):
    _, _, _, api, _ = env
    token_query = "{ voiceToken { token identity expiresAt } }"
    for role in ("AGENT", "SUPERVISOR", "ADMIN"):
        _, token = await api.agent(role)
        # An agent lists the calls of users they work on only (tests/integration/test_access).
        expected = ["FORBIDDEN"] if role == "AGENT" else []
        assert await _errors(api, USER_CALLS, {"u": "1", "first": 5}, token) == expected
        assert await _errors(api, token_query, {}, token) == []
    _, integration = await api.agent("INTEGRATION")
    assert await _errors(api, USER_CALLS, {"u": "1", "first": 5}, integration) == ["FORBIDDEN"]
    assert await _errors(api, token_query, {}, integration) == ["FORBIDDEN"]
    assert await _errors(api, USER_CALLS, {"u": "1", "first": 5}, None) == ["UNAUTHENTICATED"]
    assert await _errors(api, token_query, {}, None) == ["UNAUTHENTICATED"]


async def test_a_voice_token_is_twilios_access_token_for_the_agent(env):
    services, _, _, api, _ = env
    agent, token = await api.agent()
    issued = (await api("{ voiceToken { token identity expiresAt } }", {}, token))["voiceToken"]
    assert issued["identity"] == f"agent-{agent.id}"
    ttl = services.settings.voice_token_ttl_seconds
    assert issued["expiresAt"] == (NOW + timedelta(seconds=ttl)).isoformat()
    claims = jwt.decode(issued["token"], AUTH_TOKEN, algorithms=["HS256"],
                        options={"verify_exp": False, "verify_nbf": False})
    assert (claims["iss"], claims["sub"]) == (ACCOUNT, ACCOUNT)
    assert claims["exp"] - claims["nbf"] == ttl == 3600
    assert claims["grants"] == {"identity": f"agent-{agent.id}", "voice": {
        "incoming": {"allow": True}, "outgoing": {"application_sid": APP_SID}}}
