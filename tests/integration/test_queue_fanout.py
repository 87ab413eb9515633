"""queueUpdates to many subscribers of one API process over real websockets."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
import websockets

from domain.queue.model import QueueChanged, QueueChangeKind, QueueType
from tests.live_server import live_server

pytestmark = pytest.mark.integration
UPDATES = ("subscription($t: QueueType) { queueUpdates(type: $t) "
           "{ kind userId fromQueue toQueue score reason occurredAt } }")
# Each group: the type it asks for, and how many sockets ask.
GROUPS = {"all": (None, 20), "unsigned": ("UNSIGNED", 20),
          "outstanding": ("OUTSTANDING_REQUESTS", 10)}


@pytest.fixture
async def server_url(services):
    async with live_server(services) as address:
        yield f"ws://{address}/graphql"


def _change(reason: str, from_queue: QueueType | None, to_queue: QueueType | None,
            kind: QueueChangeKind = QueueChangeKind.MOVED) -> QueueChanged:
    return QueueChanged(kind, 7, from_queue, to_queue, 3.5, reason, datetime.now(UTC))


# Every group sees a move from OUTSTANDING_REQUESTS to UNSIGNED.
def _seen_by_all(reason: str) -> QueueChanged:
    return _change(reason, QueueType.OUTSTANDING_REQUESTS, QueueType.UNSIGNED)


async def _subscribe(url: str, token: str, queue_type: str | None):
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init",
                              "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
        "query": UPDATES, "variables": {"t": queue_type}}}))
    return ws


async def _watch(ws, probed: set, index: int) -> list[dict]:
    """The updates after the first probe, up to the one with reason 'end' (not kept)."""
    got = []
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 15))
        assert message["type"] == "next", message
        update = message["payload"]["data"]["queueUpdates"]
        if update["reason"] == "probe":
            probed.add(index)
        elif update["reason"] == "end":
            return got
        elif index in probed:
            got.append(update)


async def test_fifty_subscribers_get_each_event_once_and_type_filters_hold(
        server_url, services, make_agent):
    _, agent_token = await make_agent("AGENT")
    _, supervisor_token = await make_agent("SUPERVISOR")
    kinds = [kind for kind, (_, count) in GROUPS.items() for _ in range(count)]
    sockets = await asyncio.gather(*(
        _subscribe(server_url, (agent_token, supervisor_token)[i % 2], GROUPS[kind][0])
        for i, kind in enumerate(kinds)))
    probed: set[int] = set()
    watchers = [asyncio.create_task(_watch(ws, probed, i)) for i, ws in enumerate(sockets)]
    try:
        assert await services.events.wait_connected()
        # A subscribe message is not yet a listener: probe until every socket had one.
        for _ in range(200):
            await services.events.publish([_seen_by_all("probe")])
            if len(probed) == len(sockets):
                break
            await asyncio.sleep(0.05)
        assert len(probed) == len(sockets)
        await services.events.publish([
            _change("to unsigned", QueueType.CALLBACK, QueueType.UNSIGNED),
            _change("new outstanding", None, QueueType.OUTSTANDING_REQUESTS,
                    QueueChangeKind.ADDED),
            _seen_by_all("end")])
        results = await asyncio.gather(*watchers)
    finally:
        for task in watchers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    expected = {"all": ["to unsigned", "new outstanding"], "unsigned": ["to unsigned"],
                "outstanding": ["new outstanding"]}
    for kind, got in zip(kinds, results, strict=True):
        assert [u["reason"] for u in got] == expected[kind], kind
    moved = next(u for u in results[0] if u["reason"] == "to unsigned")
    assert moved | {"occurredAt": None} == {
        "kind": "MOVED", "userId": "7", "fromQueue": "CALLBACK", "toQueue": "UNSIGNED",
        "score": 3.5, "reason": "to unsigned", "occurredAt": None}
