"""Thin resolvers of the supervisor's wallboard and reports (SUPERVISOR and ADMIN)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.analytics.figures import InvalidPeriod
from domain.analytics.figures import OutcomeGroup as DomainOutcomeGroup
from domain.calls.outcomes import CallOutcome
from graphql_api.errors import BadUserInput
from graphql_api.types.dashboard import (
    AgentOnBoard,
    AgentPerformance,
    Dashboard,
    OutcomeCount,
    OutcomeGroup,
    dashboard_totals,
)
from graphql_api.types.movements import Bucket, QueueMovementType
from graphql_api.types.queue import QueueStatsType

From = Annotated[datetime, strawberry.argument(name="from", description="Inclusive.")]
To = Annotated[datetime, strawberry.argument(description="Exclusive.")]


async def dashboard(info: Info) -> Dashboard:
    day, board = await info.context.services.analytics.board()
    return Dashboard(
        day_starts_at=day.start,
        queues=[QueueStatsType(queue_type=q.queue_type, size=q.size,
                               callable_now=q.callable_now) for q in board.queues],
        agents=[AgentOnBoard.of(f) for f in board.agents], **dashboard_totals(board.totals))


async def agent_performance(info: Info, from_: From, to: To) -> list[AgentPerformance]:
    try:
        figures = await info.context.services.analytics.agent_performance(from_, to)
    except InvalidPeriod as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc
    return [AgentPerformance.of(f) for f in figures]


async def queue_movements(info: Info, from_: From, to: To,
                          bucket: Bucket) -> list[QueueMovementType]:
    try:
        found = await info.context.services.analytics.queue_movements(from_, to, bucket)
    except InvalidPeriod as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc
    return [QueueMovementType.from_domain(m) for m in found]


async def outcome_breakdown(info: Info, from_: From, to: To,
                            by: OutcomeGroup) -> list[OutcomeCount]:
    try:
        found = await info.context.services.analytics.outcome_breakdown(
            from_, to, DomainOutcomeGroup(by))
    except InvalidPeriod as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc
    return [OutcomeCount(key=r.key, label=found.labels.get(r.key, r.key),
                         outcome=CallOutcome(r.outcome), count=r.count) for r in found.rows]
