"""Thin resolvers of the supervisor's wallboard and reports (SUPERVISOR and ADMIN)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, TypeVar

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
from graphql_api.types.movements import Bucket, QueueFlowType, QueueMovementType
from graphql_api.types.queue import QueueStatsType

From = Annotated[datetime, strawberry.argument(name="from", description="Inclusive.")]
To = Annotated[datetime, strawberry.argument(description="Exclusive.")]
T = TypeVar("T")


async def within_period(figures: Awaitable[T]) -> T:
    """The figures; a period the analytics refuse is BAD_USER_INPUT naming the argument."""
    try:
        return await figures
    except InvalidPeriod as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc


async def dashboard(info: Info) -> Dashboard:
    day, board = await info.context.services.analytics.board()
    return Dashboard(
        day_starts_at=day.start,
        queues=[QueueStatsType(queue_type=q.queue_type, size=q.size,
                               callable_now=q.callable_now) for q in board.queues],
        agents=[AgentOnBoard.of(f) for f in board.agents], **dashboard_totals(board.totals))


async def agent_performance(info: Info, from_: From, to: To) -> list[AgentPerformance]:
    figures = await within_period(info.context.services.analytics.agent_performance(from_, to))
    return [AgentPerformance.of(f) for f in figures]


async def queue_movements(info: Info, from_: From, to: To,
                          bucket: Bucket) -> list[QueueMovementType]:
    analytics = info.context.services.analytics
    found = await within_period(analytics.queue_movements(from_, to, bucket))
    return [QueueMovementType.from_domain(m) for m in found]


async def queue_flow(info: Info, from_: From, to: To) -> list[QueueFlowType]:
    found = await within_period(info.context.services.analytics.queue_flow(from_, to))
    return [QueueFlowType.from_domain(f) for f in found]


async def outcome_breakdown(info: Info, from_: From, to: To,
                            by: OutcomeGroup) -> list[OutcomeCount]:
    found = await within_period(info.context.services.analytics.outcome_breakdown(
        from_, to, DomainOutcomeGroup(by)))
    return [OutcomeCount(key=r.key, label=found.labels.get(r.key, r.key),
                         outcome=CallOutcome(r.outcome), count=r.count) for r in found.rows]
