"""The supervisor's view: the live wallboard and reports over a period."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.analytics.figures import (
    OutcomeCount,
    OutcomeGroup,
    Period,
    check_period,
    london_day,
    regroup,
)
from domain.analytics.flow import QueueFlow, every_queue
from domain.analytics.ports import (
    AgentFigures,
    AnalyticsReads,
    Board,
    Bucket,
    Movement,
    UserLenders,
)


@dataclass(frozen=True, slots=True)
class Breakdown:
    rows: list[OutcomeCount]
    labels: dict[str, str]  # key -> what to show (agent names; otherwise the key)


@dataclass
class SupervisorAnalytics:
    reads: AnalyticsReads
    lenders: UserLenders
    clock: Callable[[], datetime]
    max_days: int = 93

    async def board(self) -> tuple[Period, Board]:
        """Today (Europe/London) on the wallboard."""
        now = self.clock()
        day = london_day(now)
        queues, floor = await self.reads.board(day, now)
        return day, Board(queues, floor.on_the_board(), floor.totals())

    async def agent_performance(self, start: datetime, end: datetime) -> list[AgentFigures]:
        """Raises InvalidPeriod for a bad period."""
        period = check_period(start, end, self.max_days)
        return (await self.reads.activity(period)).active()

    async def queue_movements(self, start: datetime, end: datetime,
                              bucket: Bucket) -> list[Movement]:
        """Users moving between queues (in and out too) per hour or day and cause; raises
        InvalidPeriod for a bad period."""
        return await self.reads.movements(check_period(start, end, self.max_days), bucket)

    async def queue_flow(self, start: datetime, end: datetime) -> list[QueueFlow]:
        """Every queue: who joined it in the period and how soon they were reached and
        converted (domain.analytics.flow); raises InvalidPeriod for a bad period."""
        return every_queue(await self.reads.queue_flow(check_period(start, end,
                                                                    self.max_days)))

    async def outcome_breakdown(self, start: datetime, end: datetime,
                                by: OutcomeGroup) -> Breakdown:
        """Dispositions by outcome and group; raises InvalidPeriod for a bad period.

        LENDER: the lender of the user's oldest open claim as the replica has it now (read
        at report time, one replica statement per 5,000 users), so a disposition counts
        under exactly one lender and no lender is copied into the dialler's tables.
        """
        period = check_period(start, end, self.max_days)
        counts = await self.reads.outcome_counts(period, by)
        if by is OutcomeGroup.LENDER:
            lenders = await self.lenders.lenders([user for user, _, _ in counts])
            rows = regroup(counts, lenders)
        else:
            rows = [OutcomeCount(str(key), outcome, n) for key, outcome, n in counts]
        labels = {r.key: r.key for r in rows}
        if by is OutcomeGroup.AGENT:
            labels |= await self.reads.agent_names(list(labels))
        return Breakdown(rows, labels)
