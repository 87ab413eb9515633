"""GET /recordings/{callId}: a call's recording, streamed from Twilio with the dialler's
credentials, for a browser's <audio> (Range requests pass through, so it can seek).

SUPERVISOR and ADMIN hear every call, an agent their own for WORK_ON_HOURS; each play is
audited. 404 names why there is nothing to play (Twilio not configured, not recorded,
deleted by retention, gone from Twilio); 502 when Twilio cannot answer.
"""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from domain.calls.recordings import MayNotListen, NoRecording, RecordingUnavailable
from graphql_api.http_auth import caller, refused

router = APIRouter()


@router.get("/recordings/{call_id}")
async def recording(request: Request, call_id: str) -> Response:
    found = await caller(request)
    if isinstance(found, Response):
        return found
    context, principal = found
    try:
        call = uuid.UUID(call_id)
    except ValueError:
        return refused("NOT_FOUND", f"{call_id!r} is not a call id", 404)
    stack = AsyncExitStack()
    try:
        stream = await stack.enter_async_context(request.app.state.services.recordings.play(
            principal, call, request.headers.get("range"), context.client_ip))
    except NoRecording as exc:
        return refused("NOT_FOUND", str(exc), 404)
    except MayNotListen as exc:
        return refused("FORBIDDEN", str(exc), 403)
    except RecordingUnavailable as exc:
        return refused("BAD_GATEWAY", str(exc), 502)

    async def body():
        async with stack:  # the upstream response closes once sent, or on a disconnect
            async for chunk in stream.chunks:
                yield chunk

    headers = {**stream.headers, "Cache-Control": "private, no-store"}
    headers.setdefault("accept-ranges", "bytes")
    # The background close covers a client gone before the body started (a no-op else).
    return StreamingResponse(body(), status_code=stream.status, headers=headers,
                             media_type=stream.headers.get("content-type", "audio/mpeg"),
                             background=BackgroundTask(stack.aclose))
