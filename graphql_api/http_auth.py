"""Bearer tokens on the plain HTTP routes (reports, recordings), checked as every GraphQL
request is: the session and the agent's standing now, and a temporary password."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from domain.agents.sessions import Principal
from graphql_api.context import RequestContext
from graphql_api.errors import ApiError, Busy, Unauthenticated


async def caller(request: Request) -> tuple[RequestContext, Principal] | JSONResponse:
    """The request's context and principal, or the answer that refuses it (401, 503, or
    403 while a temporary password is unchanged)."""
    context = RequestContext(request.app.state.services,
                             authorization=request.headers.get("authorization"),
                             client_ip=request.client.host if request.client else None,
                             user_agent=request.headers.get("user-agent"))
    await context.check_session()
    try:
        principal = context.require_principal()
    except (Unauthenticated, Busy) as exc:
        return error(exc, 401 if isinstance(exc, Unauthenticated) else 503)
    if context.password_change_due:
        return refused("FORBIDDEN", "choose your own password with changePassword first",
                       403, reason="PASSWORD_CHANGE_REQUIRED")
    return context, principal


def error(exc: ApiError, status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return JSONResponse({"error": exc.code, "message": exc.message,
                         **(exc.extensions or {})}, status_code=status, headers=headers)


def refused(error_code: str, message: str, status: int, **details: object) -> JSONResponse:
    """A refusal's JSON body: the error, what it says, and ``details`` (field, reason)."""
    return JSONResponse({"error": error_code, "message": message, **details},
                        status_code=status)
