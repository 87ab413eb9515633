"""Subscriptions over real websockets: both protocols, auth at connection_init, live events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime

import pytest
import websockets

from domain.agents.model import AgentStatus, AgentStatusChanged
from tests.live_server import live_server
from tests.subscriptions import marker_at, publishing, until_subscribed

pytestmark = pytest.mark.integration
ACTIVITY = "subscription { agentActivity { agentId status previousStatus reason occurredAt } }"


@pytest.fixture
async def server_url(services):
    async with live_server(services) as address:
        yield address


async def _recv(ws, within: float = 5.0) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), within))


@contextlib.asynccontextmanager
async def transport_ws(url: str, payload: dict):
    async with websockets.connect(f"ws://{url}/graphql",
                                  subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        yield ws


async def until_activity_reaches(ws, services) -> None:
    """Until agentActivity on ``ws`` is live: a probe change of nobody's status got there."""
    def probe(marker: str) -> AgentStatusChanged:
        return AgentStatusChanged(uuid.uuid4(), AgentStatus.OFFLINE, AgentStatus.OFFLINE,
                                  marker, datetime.now(UTC))

    await until_subscribed(ws, publishing(services.events, probe),
                           marker_at("agentActivity", "reason"))


async def _set_status(gql, token: str, status: str, reason: str | None = None) -> None:
    body = await gql("mutation($s: AgentStatus!, $r: String) { setAgentStatus(status: $s, "
                     "reason: $r) { id } }", {"s": status, "r": reason}, token)
    assert "errors" not in body, body


async def test_supervisor_sees_agent_status_changes_live(server_url, services, gql, make_agent):
    _, supervisor_token = await make_agent("SUPERVISOR")
    agent, agent_token = await make_agent("AGENT")
    async with transport_ws(server_url, {"Authorization": f"Bearer {supervisor_token}"}) as ws:
        assert (await _recv(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ACTIVITY}}))
        assert await services.events.wait_connected()
        await until_activity_reaches(ws, services)
        await _set_status(gql, agent_token, "PAUSED", "training")
        message = await _recv(ws)
    assert message["type"] == "next"
    assert message["payload"]["data"]["agentActivity"] | {"occurredAt": None} == {
        "agentId": str(agent.id), "status": "PAUSED", "previousStatus": "OFFLINE",
        "reason": "training", "occurredAt": None}


async def test_the_legacy_protocol_and_a_lower_case_key_work(server_url, services, gql,
                                                             make_agent):
    _, admin_token = await make_agent("ADMIN")
    _, agent_token = await make_agent("AGENT")
    async with websockets.connect(f"ws://{server_url}/graphql",
                                  subprotocols=["graphql-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"authorization": f"Bearer {admin_token}"}}))
        assert (await _recv(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "start", "payload": {"query": ACTIVITY}}))
        await until_activity_reaches(ws, services)
        await _set_status(gql, agent_token, "AVAILABLE")
        message = await _recv(ws)
    assert message["type"] == "data"
    assert message["payload"]["data"]["agentActivity"]["status"] == "AVAILABLE"


async def test_the_upgrade_header_authenticates_too(server_url, make_agent):
    _, token = await make_agent("SUPERVISOR")
    async with websockets.connect(f"ws://{server_url}/graphql",
                                  subprotocols=["graphql-transport-ws"],
                                  additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await _recv(ws))["type"] == "connection_ack"


@pytest.mark.parametrize("payload", [{}, {"Authorization": "Bearer not-a-token"}])
async def test_a_missing_or_bad_token_is_refused_at_connection_init(server_url, payload):
    async with transport_ws(server_url, payload) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _recv(ws)
    assert closed.value.rcvd.code == 4403


async def test_an_agent_may_not_watch_other_agents(server_url, make_agent):
    _, token = await make_agent("AGENT")
    async with transport_ws(server_url, {"Authorization": f"Bearer {token}"}) as ws:
        assert (await _recv(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ACTIVITY}}))
        message = await _recv(ws)
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN"
