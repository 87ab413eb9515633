"""The app under a real uvicorn server on a free loopback port, for websocket tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from graphql_api.app import create_app
from tests.services import free_port
from tests.waiting import wait_until


@asynccontextmanager
async def live_server(services, app=None, port: int | None = None) -> AsyncIterator[str]:
    """Yields ``host:port`` while the server answers (``app``, or one over ``services``);
    stops it afterwards. ``port``: a given one (a restart on the same address)."""
    port = port or free_port()
    app = app or create_app(services)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started, "the server started")  # its only signal
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
