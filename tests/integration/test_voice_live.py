"""callUpdates and incomingCalls over real websockets, fed by signed Twilio webhooks."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import pytest
import uvicorn
import websockets

from domain.agents.sessions import Principal
from domain.calls.status import CallStatus
from domain.calls.voice import CallDirection, CallUpdated, IncomingCall
from graphql_api.app import create_app
from tests.integration.test_leads import Api
from tests.integration.test_voice import TWILIO, Twilio, call_row, placed, sid, status_form
from tests.integration.test_voice_inbound import available, inbound_form, known_caller
from tests.integration.test_websockets import _recv, transport_ws
from tests.queue_env import queue_env
from tests.services import free_port
from tests.subscriptions import marker_at, publishing, until_subscribed
from tests.waiting import wait_until

pytestmark = pytest.mark.integration
UPDATES = ("subscription($c: ID) { callUpdates(callId: $c) { id status talkSeconds "
           "recordingUrl } }")
INCOMING = "subscription { incomingCalls { callId userId fromNumber occurredAt } }"


@pytest.fixture(scope="module")
async def env():
    async with queue_env(**TWILIO) as (services, rows, clock):
        api = Api(services)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1",
                                               port=port, log_config=None, lifespan="off"))
        task = asyncio.create_task(server.serve())
        await wait_until(lambda: server.started, "the server started")  # its only signal
        yield services, rows, clock, api, Twilio(api.http), f"127.0.0.1:{port}"
        server.should_exit = True
        await task
        await api.http.aclose()


async def subscribe(ws, query: str, variables: dict | None = None) -> None:
    assert (await _recv(ws))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe",
                              "payload": {"query": query, "variables": variables or {}}}))


_PROBE_SECONDS = 10**9


async def until_updates_reach(ws, services, agent_id: uuid.UUID | None = None,
                              call_id: uuid.UUID | None = None) -> None:
    """Until callUpdates on ``ws`` is live: a probe update of a call it follows got there
    (``call_id`` when it names one, else a new call of ``agent_id``)."""
    def probe(marker: str) -> CallUpdated:
        # The marker rides in talkSeconds, far above any real call's.
        return CallUpdated(call_id or uuid.uuid4(), CallDirection.OUTBOUND, CallStatus.RINGING,
                           _PROBE_SECONDS + int(marker.split()[-1]), None, None, agent_id,
                           datetime.now(UTC))

    def marker_in(frame: str | bytes) -> str | None:
        value = json.loads(frame)
        for key in ("payload", "data", "callUpdates", "talkSeconds"):
            value = value.get(key) if isinstance(value, dict) else None
        return f"probe {value - _PROBE_SECONDS}" if isinstance(value, int) \
            and value >= _PROBE_SECONDS else None

    await until_subscribed(ws, publishing(services.events, probe), marker_in)


async def until_rings_reach(sockets: list, services, agent_ids: list[uuid.UUID]) -> None:
    """Until incomingCalls on each socket is live: a probe ring of the agents got there."""
    def probe(marker: str) -> IncomingCall:
        return IncomingCall(uuid.uuid4(), None, marker, tuple(map(str, agent_ids)),
                            datetime.now(UTC))

    await until_subscribed(sockets, publishing(services.events, probe),
                           marker_at("incomingCalls", "fromNumber"))


async def test_an_agent_sees_their_own_calls_progress_live(env):
    services, _, _, api, twilio, url = env
    agent, token, user, call_sid, _ = await placed(env[:5])
    _, _, _, others_sid, _ = await placed(env[:5])  # another agent's call
    assert await services.events.wait_connected()
    async with transport_ws(url, {"Authorization": f"Bearer {token}"}) as ws:
        await subscribe(ws, UPDATES)
        await until_updates_reach(ws, services, agent_id=agent.id)
        await twilio.post("/twilio/voice/status", status_form(others_sid, "in-progress", 4))
        await twilio.post("/twilio/voice/status", status_form(call_sid, "in-progress", 5))
        await twilio.post("/twilio/voice/status", status_form(call_sid, "completed", 65, 60))
        first, second = await _recv(ws), await _recv(ws)
    row = await call_row(services, call_sid)
    assert [first["payload"]["data"]["callUpdates"], second["payload"]["data"]["callUpdates"]] \
        == [{"id": str(row["id"]), "status": "IN_PROGRESS", "talkSeconds": 0,
             "recordingUrl": None},
            {"id": str(row["id"]), "status": "COMPLETED", "talkSeconds": 60,
             "recordingUrl": None}]


async def test_a_supervisor_may_watch_any_call_and_an_agent_only_their_own(env):
    services, _, _, api, twilio, url = env
    _, _, _, call_sid, _ = await placed(env[:5])
    call_id = str((await call_row(services, call_sid))["id"])
    _, other_agent = await api.agent()
    async with transport_ws(url, {"Authorization": f"Bearer {other_agent}"}) as ws:
        await subscribe(ws, UPDATES, {"c": call_id})
        refused = await _recv(ws)
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    _, supervisor = await api.agent("SUPERVISOR")
    async with transport_ws(url, {"Authorization": f"Bearer {supervisor}"}) as ws:
        await subscribe(ws, UPDATES, {"c": "00000000-0000-0000-0000-000000000000"})
        unknown = await _recv(ws)
    assert unknown["payload"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "callId"}
    async with transport_ws(url, {"Authorization": f"Bearer {supervisor}"}) as ws:
        await subscribe(ws, UPDATES, {"c": call_id})
        await until_updates_reach(ws, services, call_id=uuid.UUID(call_id))
        await twilio.post("/twilio/voice/status", status_form(sid(), "ringing", 1))  # not it
        await twilio.post("/twilio/voice/status", status_form(call_sid, "ringing", 2))
        update = (await _recv(ws))["payload"]["data"]["callUpdates"]
    assert (update["id"], update["status"]) == (call_id, "RINGING")


async def test_unauthenticated_and_integration_subscribers_are_refused(env):
    *_, api, _, url = env
    async with transport_ws(url, {}) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _recv(ws)
    assert closed.value.rcvd.code == 4403
    _, integration = await api.agent("INTEGRATION")
    for query in (UPDATES, INCOMING):
        async with transport_ws(url, {"Authorization": f"Bearer {integration}"}) as ws:
            await subscribe(ws, query)
            refused = await _recv(ws)
        assert (refused["type"], refused["payload"][0]["extensions"]["code"]) == (
            "error", "FORBIDDEN")


async def test_an_inbound_call_reaches_the_rung_agents_screen(env):
    services, _, _, _, twilio, url = env
    user = await known_caller(env[:5], "07911 123405")
    (agent,) = await available(env[:5])
    not_rung_agent, not_rung = await env[3].agent()
    token = services.tokens.issue(Principal(agent.id, agent.role)).token
    async with transport_ws(url, {"Authorization": f"Bearer {token}"}) as ws, \
            transport_ws(url, {"Authorization": f"Bearer {not_rung}"}) as other:
        await subscribe(ws, INCOMING)
        await subscribe(other, INCOMING)
        await until_rings_reach([ws, other], services, [agent.id, not_rung_agent.id])
        call_sid = sid()
        await twilio.post("/twilio/voice/inbound", inbound_form(call_sid, "+447911123405"))
        ringing = (await _recv(ws))["payload"]["data"]["incomingCalls"]
        with pytest.raises(TimeoutError):
            await _recv(other, within=0.5)
    row = await call_row(services, call_sid)
    assert (ringing["callId"], ringing["userId"]) == (str(row["id"]), str(user))
    assert ringing["fromNumber"].endswith("405") and "123405" not in ringing["fromNumber"]
