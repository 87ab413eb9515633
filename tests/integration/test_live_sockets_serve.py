"""`dialler serve --workers 2`: a logout on one process closes the socket on the other
within 2 s. The sweep is set too slow to matter, so it is the notice between the real
processes that does it (test_live_sockets covers the sweep)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
import websockets

from service_layer.agents import create_agent
from tests import services as svc
from tests.integration.test_serve_workers import (
    PROCESS,
    _all_listening,
    _one_per_process,
    _ready,
    _start,
    _stop,
    _tail,
)
from tests.integration.test_serve_workers import (  # noqa: F401 - a fixture, used below
    deployment as serve_deployment,
)

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"
LOGIN = ("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { "
         "... on LoginSucceeded { token } } }")
WITHIN = 2.0 + 0.5  # the bound, and a little for the test's own round trips


async def _graphql(url: str, query: str, variables=None, token: str | None = None):
    """On a connection of its own, so either process may take it; (its process, data)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as http:
        response = await http.post(url + "/graphql", headers=headers, timeout=30,
                                   json={"query": query, "variables": variables or {}})
    body = response.json()
    assert "errors" not in body, body
    return response.headers[PROCESS], body["data"]


async def _closed(ws, by: float) -> tuple[int, str]:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), max(0.0, by - time.monotonic()))
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code, closed.rcvd.reason
    except TimeoutError:
        raise AssertionError("the socket was not closed in time") from None


async def test_a_logout_on_one_process_closes_the_socket_on_the_other(
        serve_deployment, tmp_path):  # noqa: F811 - the fixture, imported above
    env, services, _ = serve_deployment
    env = env | {"LIVE_SOCKET_SWEEP_SECONDS": "60"}
    port, log = svc.free_port(), tmp_path / "serve.log"
    url, address = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
    proc = _start(env, port, tmp_path, log)
    sockets: dict = {}
    try:
        await _ready(url, proc, log)
        email = f"live-{uuid.uuid4().hex[:8]}@example.com"
        await create_agent(services.uow(), services.hasher,
                           policy=services.password_policy, email=email, password=PASSWORD,
                           name="Live Test", role="AGENT", at=datetime.now(UTC))
        _, data = await _graphql(url, LOGIN, {"e": email, "p": PASSWORD})
        token = data["login"]["token"]
        sockets = await _one_per_process(address, token)
        await _all_listening(services, sockets)  # each process receives events from Redis
        start = time.monotonic()
        served_by, done = await _graphql(url, "mutation { logout }", token=token)
        assert done["logout"] is True
        (elsewhere,) = set(sockets) - {served_by}
        logged_out = (4401, "session ended: logged out")  # the notice's words, not the sweep's
        assert await _closed(sockets[elsewhere], start + WITHIN) == logged_out
        assert await _closed(sockets[served_by], start + WITHIN) == logged_out
    finally:
        for ws in sockets.values():
            await ws.close()
        _stop(proc)
    assert proc.returncode == 0, _tail(log)
