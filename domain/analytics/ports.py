"""What supervisor analytics read, and the shapes they read it in."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.agents.model import AgentStatus, Role
from domain.analytics.figures import OutcomeGroup, Period
from domain.analytics.flow import QueueFlow
from domain.queue.model import MovementCause, QueueType
from domain.queue.ports import QueueSize


class Bucket(StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"  # London days


@dataclass(frozen=True, slots=True)
class Movement:
    bucket_start: datetime
    from_queue: QueueType | None  # None: from outside every queue
    to_queue: QueueType | None  # None: out of every queue
    cause: MovementCause
    users: int  # distinct users who moved so in the bucket


@dataclass(frozen=True, slots=True)
class RollupReport:
    buckets: int  # hours and days worked out again
    rows: int  # the rows they hold now
    rolled_until: datetime  # every bucket ending by then is held (as far as kept)


@dataclass(frozen=True, slots=True)
class AgentSummary:
    id: uuid.UUID
    name: str
    email: str
    role: Role
    status: AgentStatus
    status_reason: str | None
    status_since: datetime | None
    queue_types: frozenset[str] | None
    is_active: bool = True
    automated: bool = False  # an AI agent: texts, never calls
    texts_per_hour: int | None = None  # an automated agent's cap (None: the default)
    last_login_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Activity:
    """Counts over a period, for one agent or the whole floor."""

    calls: int = 0
    talk_seconds: int = 0
    answered: int = 0
    dispositions: int = 0
    contacts: int = 0
    conversions: int = 0
    texts: int = 0  # outbound SMS sent (domain.analytics.figures)

    def worked(self) -> bool:
        """A call, disposition or text of one's own in the period."""
        return bool(self.calls or self.dispositions or self.texts)


@dataclass(frozen=True, slots=True)
class AgentFigures:
    agent: AgentSummary
    activity: Activity


@dataclass(frozen=True, slots=True)
class FloorActivity:
    """Every agent's counts over a period, and what no agent owns (unanswered inbound)."""

    agents: list[AgentFigures]
    unassigned: Activity

    def totals(self) -> Activity:
        parts = [f.activity for f in self.agents] + [self.unassigned]
        return Activity(*(sum(getattr(p, name) for p in parts)
                          for name in Activity.__dataclass_fields__))

    def on_the_board(self) -> list[AgentFigures]:
        """The people on the phones: active agents (automated ones too), and other staff
        (not integrations) who are signed in (not OFFLINE) or worked in the period."""
        return [f for f in self.agents if f.agent.is_active and f.agent.role is not Role.INTEGRATION
                and (f.agent.role is Role.AGENT or f.agent.status is not AgentStatus.OFFLINE
                     or f.activity.worked())]

    def active(self) -> list[AgentFigures]:
        """Agents with a call, disposition, text or conversion in the period."""
        return [f for f in self.agents if f.activity.worked() or f.activity.conversions]


@dataclass(frozen=True, slots=True)
class Board:
    """Everything the wallboard shows except sync health."""

    queues: list[QueueSize]
    agents: list[AgentFigures]
    totals: Activity


class AnalyticsReads(abc.ABC):
    @abc.abstractmethod
    async def board(self, day: Period, now: datetime
                    ) -> tuple[list[QueueSize], FloorActivity]:
        """Queue depths at ``now`` and everyone's counts for ``day``."""

    @abc.abstractmethod
    async def activity(self, period: Period) -> FloorActivity:
        """Everyone's counts over the period, agents in name order."""

    @abc.abstractmethod
    async def outcome_counts(self, period: Period, by: OutcomeGroup
                             ) -> list[tuple[object, str, int]]:
        """(key, outcome, dispositions); LENDER is keyed by user id, AGENT by agent id."""

    @abc.abstractmethod
    async def agent_names(self, agent_ids: Sequence[str]) -> dict[str, str]: ...

    @abc.abstractmethod
    async def movements(self, period: Period, bucket: Bucket) -> list[Movement]:
        """Users moving from a queue to another (or in or out) per London hour or day and
        cause, in time order: always the count over every queue event, however much of it
        is rolled up."""

    @abc.abstractmethod
    async def queue_flow(self, period: Period) -> list[QueueFlow]:
        """Each queue somebody joined in the period (domain.analytics.flow)."""


class MovementRollups(abc.ABC):
    """The closed buckets of queueMovements, counted once and kept."""

    @abc.abstractmethod
    async def roll_up(self, until: datetime) -> RollupReport:
        """Counts every hour and day ending by ``until`` (a UTC hour) that closed since the
        last run or has queue events committed since; again and again gives the same."""

    @abc.abstractmethod
    async def forget_before(self, cutoff: datetime) -> None:
        """Gives up the buckets before the London midnight after ``cutoff``: called before
        queue events older than it are deleted, so the count never holds deleted ones."""


class UserLenders(abc.ABC):
    @abc.abstractmethod
    async def lenders(self, user_ids: Sequence[int]) -> dict[int, str]:
        """Each known user's lender key (domain.analytics.figures.lender_key)."""
