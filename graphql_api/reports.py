"""Reports a supervisor takes into a spreadsheet: the GraphQL figures as CSV.

    GET /reports/agent-performance.csv?from=…&to=…          (agentPerformance)
    GET /reports/outcomes.csv?from=…&to=…&by=QUEUE           (outcomeBreakdown)
    GET /reports/queue-movements.csv?from=…&to=…&bucket=DAY  (queueMovements)

A bearer token of a SUPERVISOR or ADMIN, checked as every GraphQL request is (session,
standing, a temporary password). A header row, then one row per figure, streamed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import datetime
from typing import TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from domain.agents.model import Role
from domain.analytics.figures import InvalidPeriod, OutcomeGroup
from domain.analytics.ports import Bucket
from domain.calls.outcomes import CallOutcome
from graphql_api.http_auth import caller, refused
from graphql_api.types.dashboard import AgentPerformance
from service_layer.analytics import SupervisorAnalytics

router = APIRouter()
AGENT_PERFORMANCE = ("agent_id", "agent_name", "agent_email", "role", "calls", "answered",
                     "dispositions", "contacts", "contact_rate", "conversions",
                     "talk_seconds", "average_handle_seconds", "texts")
OUTCOMES = ("key", "label", "outcome", "count")
MOVEMENTS = ("bucket_start", "from_queue", "to_queue", "cause", "users")
From = Query(alias="from", description="Inclusive, ISO 8601 with a time zone.")
To = Query(description="Exclusive.")
T = TypeVar("T")


async def _refusal(request: Request) -> Response | None:
    """None for a SUPERVISOR or ADMIN whose token stands; else the answer to give."""
    found = await caller(request)
    if isinstance(found, Response):
        return found
    if not found[1].has_role(Role.SUPERVISOR, Role.ADMIN):
        return refused("FORBIDDEN", "reports need the role SUPERVISOR or ADMIN", 403)
    return None


def _csv(name: str, start: datetime, end: datetime, header: tuple[str, ...],
         rows: Iterable[tuple]) -> StreamingResponse:
    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
        for row in (header, *rows):
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    filename = f"{name}-{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}.csv"
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def _figures(request: Request, read: Callable[[SupervisorAnalytics], Awaitable[T]]
                   ) -> T | Response:
    """The figures ``read`` gives, for a SUPERVISOR or ADMIN; else the refusal to answer
    (not allowed, or a period the analytics refuse, by name)."""
    if (refusal := await _refusal(request)) is not None:
        return refusal
    try:
        return await read(request.app.state.services.analytics)
    except InvalidPeriod as exc:
        return refused("BAD_USER_INPUT", str(exc), 400, field=exc.field)


@router.get("/reports/agent-performance.csv")
async def agent_performance(request: Request, start: datetime = From,
                            to: datetime = To) -> Response:
    figures = await _figures(request, lambda a: a.agent_performance(start, to))
    if isinstance(figures, Response):
        return figures
    rows = ((p.agent.id, p.agent.name, p.agent.email, p.agent.role.value, p.calls,
             p.answered, p.dispositions, p.contacts, _number(p.contact_rate), p.conversions,
             p.talk_seconds, _number(p.average_handle_seconds), p.texts)
            for p in map(AgentPerformance.of, figures))
    return _csv("agent-performance", start, to, AGENT_PERFORMANCE, rows)


@router.get("/reports/outcomes.csv")
async def outcomes(request: Request, start: datetime = From, to: datetime = To,
                   by: OutcomeGroup = OutcomeGroup.QUEUE) -> Response:
    found = await _figures(request, lambda a: a.outcome_breakdown(start, to, by))
    if isinstance(found, Response):
        return found
    rows = ((r.key, found.labels.get(r.key, r.key), CallOutcome(r.outcome).name, r.count)
            for r in found.rows)
    return _csv(f"outcomes-by-{by.value.lower()}", start, to, OUTCOMES, rows)


@router.get("/reports/queue-movements.csv")
async def queue_movements(request: Request, start: datetime = From, to: datetime = To,
                          bucket: Bucket = Query(description="HOUR or DAY (Europe/London)."),
                          ) -> Response:
    found = await _figures(request, lambda a: a.queue_movements(start, to, bucket))
    if isinstance(found, Response):
        return found
    # An empty queue is outside every queue, as null is in GraphQL.
    rows = ((m.bucket_start.isoformat(), m.from_queue.value if m.from_queue else "",
             m.to_queue.value if m.to_queue else "", m.cause.value, m.users) for m in found)
    return _csv(f"queue-movements-by-{bucket.value.lower()}", start, to, MOVEMENTS, rows)


def _number(value: float | None) -> str:
    """Empty for no figure (no dispositions: no rate), as a spreadsheet reads it."""
    return "" if value is None else repr(value)
