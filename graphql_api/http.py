"""Plain HTTP routes: liveness, readiness, Prometheus metrics; and request metrics."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from infrastructure.metrics import HTTP_LATENCY, HTTP_REQUESTS, render

router = APIRouter()


@router.get("/health")
@router.get("/api/health")
async def health() -> dict:
    """Alive: the process answers. Says nothing about dependencies."""
    return {"status": "ok"}


@router.get("/ready")
@router.get("/api/ready")
async def ready(request: Request) -> JSONResponse:
    """Ready only when PostgreSQL, the replica and Redis all answer; names any that is down."""
    report = await request.app.state.services.readiness()
    down = sorted(name for name, problem in report.items() if problem)
    body = {
        "status": "ready" if not down else "unavailable",
        "down": down,
        "checks": {name: problem or "ok" for name, problem in report.items()},
    }
    return JSONResponse(body, status_code=503 if down else 200)


@router.get("/metrics")
async def metrics() -> Response:
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
            # Label by route, not raw URL, so unknown paths cannot explode the series count.
            path = (getattr(route, "path", "") or scope["path"]) if route else "unmatched"
            HTTP_REQUESTS.labels(scope["method"], path, str(status["code"])).inc()
            HTTP_LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)
