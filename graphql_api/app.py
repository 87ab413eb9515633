"""The FastAPI application: GraphQL at /graphql, health, readiness and metrics."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from starlette.requests import HTTPConnection
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from graphql_api.context import RequestContext
from graphql_api.errors import ApiError
from graphql_api.http import RequestMetrics, router
from graphql_api.live_sockets import LiveSockets
from graphql_api.pages import mount_pages, page
from graphql_api.recordings import router as recordings_router
from graphql_api.reports import router as reports_router
from graphql_api.response_json import encode_response
from graphql_api.schema import build_schema
from graphql_api.timers import serve_timers
from graphql_api.webhooks.links import router as links_router
from graphql_api.webhooks.sms import router as sms_router
from graphql_api.webhooks.voice import router as voice_router
from graphql_api.ws_encoding import encode_message
from graphql_api.ws_handlers import WatchedLegacyWS, WatchedTransportWS
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.logging import configure_logging
from infrastructure.runtime import settle_heap
from infrastructure.settings import Settings

MAX_REQUEST_BYTES = 256 * 1024


async def _context(connection: HTTPConnection) -> AsyncIterator[RequestContext]:
    services: Services = connection.app.state.services
    client = connection.client.host if connection.client else None
    context = RequestContext(services, authorization=connection.headers.get("authorization"),
                             client_ip=client, user_agent=connection.headers.get("user-agent"))
    await context.check_session()
    try:
        yield context
    finally:  # once answered (a websocket: once closed)
        context.release()


class DiallerGraphQLRouter(GraphQLRouter):
    # Open sockets are watched: closed when their session ends or their agent changes.
    graphql_transport_ws_handler_class = WatchedTransportWS
    graphql_ws_handler_class = WatchedLegacyWS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.live_sockets = LiveSockets()

    def encode_json(self, data: object) -> str:
        return encode_message(data)

    async def render_graphql_ide(self, request) -> HTMLResponse:
        """GraphiQL from the dialler's own files (graphql_api/pages.py), not a CDN."""
        return page("graphiql")

    def create_response(self, response_data, sub_response: Response) -> Response:
        """Strawberry's answer to an HTTP request, with its JSON from encode_response (the
        websockets keep encode_json)."""
        response = Response(encode_response(response_data), media_type="application/json",
                            status_code=sub_response.status_code or 200)
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    async def on_ws_connect(self, context: RequestContext):
        """Refuses a websocket whose token is missing, forged or expired (close 4403)."""
        try:
            context.authenticate_connection()
            await context.check_session()
            context.require_principal()
        except ApiError as exc:
            raise ConnectionRejectionError({"message": exc.message, **exc.extensions}) from exc
        return await super().on_ws_connect(context)


def create_app(services: Services, *, close_services: bool = False) -> FastAPI:
    """An app over services wired by the composition root."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if close_services:
            await services.close()

    app = _build(services.settings, lifespan)
    app.state.services = services
    return app


def worker_app() -> FastAPI:
    """The app of one process of `dialler serve --workers N` (uvicorn's factory): its own
    services and timers, started in the lifespan and closed at shutdown."""
    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        services = await bootstrap(settings, serving=True)
        app.state.services = services
        settle_heap()
        try:
            async with serve_timers(services):
                yield
        finally:
            await services.close()

    return _build(settings, lifespan)


def _build(settings: Settings, lifespan) -> FastAPI:
    schema = build_schema(settings.max_query_depth, settings.max_query_tokens,
                          settings.max_query_aliases,
                          introspection=settings.introspection_enabled)
    # No OpenAPI document or docs pages: the API is GraphQL, and they map the webhooks.
    app = FastAPI(title="RMC Dialler", lifespan=lifespan, openapi_url=None, docs_url=None,
                  redoc_url=None)
    graphql = DiallerGraphQLRouter(
        schema, context_getter=_context,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL],
    )
    app.state.live_sockets = graphql.live_sockets  # this process's open websockets
    app.include_router(graphql, prefix="/graphql")
    app.include_router(router)
    app.include_router(reports_router)
    app.include_router(recordings_router)
    mount_pages(app, graphiql=settings.graphiql_enabled)
    # Twilio webhooks and link redirects: one include_router per area, below.
    app.include_router(links_router)
    app.include_router(sms_router)
    app.include_router(voice_router)
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestSizeLimit, max_bytes=MAX_REQUEST_BYTES)
    if settings.cors_origins:  # never "*": the settings refuse it (credentials are allowed)
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["*"],
                           allow_credentials=True)
    # The one place a client's address is decided: X-Forwarded-For counts only from the
    # proxies FORWARDED_ALLOW_IPS names (uvicorn's own handling is off, see cli/serve.py),
    # so limits, audit and webhooks all see the same, believed address.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.add_middleware(ServedBy)  # outermost: even a refused request says who refused it
    return app


class ServedBy:
    """Names the process that answered (``X-Dialler-Process: host:pid``) on every response
    and websocket handshake: with several processes behind one port, logs and tests can
    tell them apart."""

    def __init__(self, app):
        self.app = app
        self.header = (b"x-dialler-process", f"{socket.gethostname()}:{os.getpid()}".encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)

        async def send_named(message):
            if message["type"] in ("http.response.start", "websocket.accept"):
                message = {**message, "headers": [*message.get("headers", ()), self.header]}
            await send(message)

        return await self.app(scope, receive, send_named)


class RequestSizeLimit:
    """Refuses bodies over ``max_bytes`` with 413, declared or streamed, before the app."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_bytes:
                return await _too_large(send, self.max_bytes)
            return await self.app(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:  # a chunked body: buffer it up to the limit, then replay it
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return await _too_large(send, self.max_bytes)
            chunks.append(message)
            more = message.get("more_body", False)
        return await self.app(scope, _replay(chunks, receive), send)


def _replay(messages, then=None):
    pending = list(messages)

    async def receive():
        if pending:
            return pending.pop(0)
        return await then() if then else {"type": "http.disconnect"}

    return receive


async def _too_large(send, limit: int) -> None:
    body = f'{{"error": "request body larger than {limit} bytes"}}'.encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
