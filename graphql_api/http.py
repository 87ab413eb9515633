"""Plain HTTP routes: liveness, readiness, Prometheus metrics; and request metrics."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from infrastructure.metrics import HTTP_LATENCY, HTTP_REQUESTS, bearer_matches, method_label, render

router = APIRouter()


@router.get("/health")
@router.get("/api/health")
async def health() -> dict:
    """Alive: the process answers. Says nothing about dependencies."""
    return {"status": "ok"}


@router.get("/ready")
@router.get("/api/ready")
async def ready(request: Request) -> JSONResponse:
    """Ready while PostgreSQL and the replica answer (503 names any that is down); Redis
    down is "degraded", still 200: the API answers from the databases, slower."""
    checks = await request.app.state.services.readiness()
    down = sorted(name for name, state in checks.items() if state == "down")
    degraded = sorted(name for name, state in checks.items() if state == "degraded")
    body = {
        "status": "unavailable" if down else "degraded" if degraded else "ready",
        "down": down,
        "degraded": degraded,
        "checks": checks,
    }
    return JSONResponse(body, status_code=503 if down else 200)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    token = request.app.state.services.settings.metrics_token
    if token and not bearer_matches(request.headers.get("authorization"),
                                    token.get_secret_value()):
        return Response("a bearer token is required\n", status_code=401,
                        headers={"WWW-Authenticate": "Bearer"}, media_type="text/plain")
    payload, content_type = render()
    return Response(payload, media_type=content_type)


class RequestMetrics:
    """Counts and times every HTTP request (plain ASGI: no per-request task group)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            # Label by route, not raw URL, and by known methods only, so that made-up paths
            # and methods cannot explode the series count.
            path = (getattr(route, "path", "") or scope["path"]) if route else "unmatched"
            method = method_label(scope["method"])
            HTTP_REQUESTS.labels(method, path, str(status["code"])).inc()
            HTTP_LATENCY.labels(method, path).observe(time.perf_counter() - started)
