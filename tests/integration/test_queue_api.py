"""QueuePage, QueueStats and QueueUpdates through the API."""

from __future__ import annotations

import asyncio
import gc
import json

import pytest
import websockets
from sqlalchemy import event

from infrastructure.bootstrap import bootstrap
from infrastructure.replica.seed import seed_replica
from tests.contracts import OPERATIONS
from tests.integration.test_leads import Api
from tests.live_server import live_server
from tests.queue_env import queue_env
from tests.subscriptions import marker_at, publishing, queue_probe, until_subscribed

pytestmark = pytest.mark.integration
PAGE = (OPERATIONS / "queue.graphql").read_text()


def _operation(name: str) -> str:
    blocks = PAGE.split("\n\n")
    return next(b for b in blocks if f" {name}(" in b or f" {name} " in b.split("{")[0])


@pytest.fixture(scope="module")
async def env():
    async with queue_env() as built:
        services, rows, clock = built
        await seed_replica(rows.db, 700, seed=3)
        await services.queues.rebuild()
        api = Api(services)
        yield services, rows, clock, api
        await api.http.aclose()


async def _page(api, token, queue, first, after=None) -> dict:
    return (await api(_operation("QueuePage"), {"type": queue, "first": first, "after": after},
                      token))["queue"]


async def test_pages_walk_the_queue_in_calling_order(env):
    services, _, _, api = env
    _, token = await api.agent("SUPERVISOR")
    first = await _page(api, token, "UNSIGNED", 50)
    second = await _page(api, token, "UNSIGNED", 50, first["pageInfo"]["endCursor"])
    nodes = [e["node"] for e in first["edges"] + second["edges"]]
    assert [n["position"] for n in nodes] == list(range(1, 101))
    keys = [(n["score"], int(n["user"]["id"])) for n in nodes]
    assert keys == sorted(keys)
    async with services.pg.acquire() as conn:
        total = await conn.fetchval(
            "SELECT count(*) FROM queue_entries WHERE queue_type = 'UNSIGNED'")
    assert first["totalCount"] == total > 100
    assert all(n["user"]["claims"] for n in nodes)


async def test_bad_page_arguments_are_validation_errors(env):
    _, _, _, api = env
    _, token = await api.agent()
    for variables, field in (({"type": "UNSIGNED", "first": 0}, "first"),
                             ({"type": "UNSIGNED", "first": 501}, "first"),
                             ({"type": "UNSIGNED", "first": 5, "after": "garbage!"}, "after")):
        body = (await api.http.post("/graphql", json={"query": _operation("QueuePage"),
                                                      "variables": variables},
                                    headers={"Authorization": f"Bearer {token}"})).json()
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    body = (await api.http.post("/graphql", json={"query": _operation("QueuePage"), "variables": {
        "type": "NOPE", "first": 5}}, headers={"Authorization": f"Bearer {token}"})).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def _statements(services, api, token, first: int | None) -> int:
    """Statements of one page; None: of a request that only authenticates."""
    counted = {"n": 0}

    def count(*_a, **_k):
        counted["n"] += 1

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    replica_before, pg_before = services.replica.db.statements, services.pg_statements.count
    try:
        if first is None:
            await api("{ __typename }", {}, token)
        else:
            page = await _page(api, token, "UNSIGNED", first)
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)
    if first is not None:
        assert len(page["edges"]) == min(first, page["totalCount"])
    return (services.replica.db.statements - replica_before + counted["n"]
            + services.pg_statements.count - pg_before)


async def test_a_page_costs_the_same_statements_whatever_its_size(env):
    services, _, _, api = env
    _, token = await api.agent("SUPERVISOR")
    # Each request checks its token's session and agent first (one read).
    session_check = await _statements(services, api, token, None)
    small = await _statements(services, api, token, 50) - session_check
    large = await _statements(services, api, token, 500) - session_check
    assert small == large <= 5


async def test_the_session_check_reads_the_caller_for_the_whole_request(env):
    services, _, _, api = env
    _, token = await api.agent()
    await _statements(services, api, token, None)  # the first connections' own set-up
    assert await _statements(services, api, token, None) == 1
    before = services.pg_statements.count
    me = await api("{ me { id role status } }", {}, token)
    assert me["me"]["role"] == "AGENT"
    assert services.pg_statements.count - before == 1


async def test_stats_count_sizes_and_what_is_callable(env):
    services, _, _, api = env
    _, token = await api.agent()
    stats = (await api(_operation("QueueStats"), {}, token))["queueStats"]
    by_type = {s["queueType"]: s for s in stats}
    assert set(by_type) == {"CALLBACK", "UNSIGNED", "OUTSTANDING_REQUESTS"}
    assert by_type["UNSIGNED"]["size"] >= by_type["UNSIGNED"]["callableNow"] > 0


async def test_an_event_on_one_api_process_reaches_a_subscriber_on_another(env):
    services, rows, _, api = env
    other = await bootstrap(services.settings)  # a second API process's own wiring
    try:
        _, token = await api.agent()
        user = await rows.user(signature=None)
        await rows.claim(user)
        async with live_server(other) as address, websockets.connect(
                f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": _operation("QueueUpdates"), "variables": {"type": "UNSIGNED"}}}))
            assert await other.events.wait_connected()
            await until_subscribed(ws, publishing(services.events, queue_probe),
                                   marker_at("queueUpdates", "reason"))
            await services.queues.recompute([user], "cdc")  # on the first process
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
    finally:
        await other.close()
    update = message["payload"]["data"]["queueUpdates"]
    assert (update["kind"], update["userId"], update["toQueue"], update["reason"]) == (
        "ADDED", str(user), "UNSIGNED", "cdc")


async def _garbage_of_a_page(api, token, first: int) -> int:
    """Objects of one page request that only the cyclic collector would free."""
    gc.collect()
    gc.disable()
    try:
        await _page(api, token, "UNSIGNED", first)
        return gc.collect()
    finally:
        gc.enable()


async def test_what_a_page_read_is_freed_when_it_has_answered(env):
    _, _, _, api = env
    _, token = await api.agent("SUPERVISOR")
    await _garbage_of_a_page(api, token, 300)  # warm: first-use caches are not garbage
    small = await _garbage_of_a_page(api, token, 5)
    large = await _garbage_of_a_page(api, token, 300)
    # graphql-core keeps each request's context in a reference cycle: the users, claims
    # and requirements its loaders read must not hang off it.
    assert large - small < 100, (small, large)
