"""GraphQL types of the supervisor's wallboard and reports."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.analytics.figures import OutcomeGroup as DomainOutcomeGroup
from domain.analytics.figures import average, is_contact, rate
from domain.analytics.ports import Activity, AgentFigures, AgentSummary
from graphql_api.resolvers.sync import load_sync_status
from graphql_api.types.agents import AgentType
from graphql_api.types.enums import AgentStatus, CallOutcome
from graphql_api.types.queue import QueueStatsType
from graphql_api.types.sync import SyncStatusType

OutcomeGroup = strawberry.enum(DomainOutcomeGroup, name="OutcomeGroup",
                               description="How outcomeBreakdown groups dispositions.")


def agent_type(a: AgentSummary) -> AgentType:
    return AgentType(id=strawberry.ID(str(a.id)), name=a.name, email=a.email, role=a.role,
                     status=a.status, status_reason=a.status_reason,
                     status_since=a.status_since,
                     queue_types=sorted(a.queue_types) if a.queue_types is not None else None,
                     automated=a.automated, texts_per_hour=a.texts_per_hour,
                     active=a.is_active, last_login_at=a.last_login_at)


@strawberry.type(name="AgentOnBoard", description="One agent on the wallboard, today.")
class AgentOnBoard:
    agent: AgentType
    status: AgentStatus
    status_reason: str | None
    status_since: datetime | None
    calls_today: int
    talk_seconds_today: int
    contacts_today: int = strawberry.field(
        description="Dispositions today whose outcome reached the user.")
    conversions_today: int
    texts_today: int = strawberry.field(description="Outbound texts sent today (not FAILED).")

    @classmethod
    def of(cls, f: AgentFigures) -> AgentOnBoard:
        a, n = f.agent, f.activity
        return cls(agent=agent_type(a), status=a.status, status_reason=a.status_reason,
                   status_since=a.status_since, calls_today=n.calls,
                   talk_seconds_today=n.talk_seconds, contacts_today=n.contacts,
                   conversions_today=n.conversions, texts_today=n.texts)


@strawberry.type(name="Dashboard", description=(
    "Today (Europe/London) on the floor. A call is a row of calls; answered: with talk time; "
    "handle time: talk seconds of answered calls; a contact is a disposition whose outcome "
    "reached the user (not no_answer, busy, failed, left_voicemail, wrong_number); "
    "contactRate = contacts / dispositions; a text is an outbound SMS not FAILED; a "
    "conversion is credited to the last real call, else to who sent the last followed link."))
class Dashboard:
    day_starts_at: datetime
    queues: list[QueueStatsType]
    agents: list[AgentOnBoard]
    calls_today: int
    answered_today: int
    talk_seconds_today: int
    dispositions_today: int
    contacts_today: int
    contact_rate: float | None = strawberry.field(description="null: no dispositions yet.")
    average_handle_seconds: float | None = strawberry.field(
        description="null: no answered call yet.")
    conversions_today: int
    texts_today: int = strawberry.field(
        description="Every agent's texts today, and the automatic ones no agent sent.")

    @strawberry.field(description="The CDC sync's health (the same as syncStatus).")
    async def sync(self, info: strawberry.Info) -> SyncStatusType:
        return await load_sync_status(info)


def dashboard_totals(n: Activity) -> dict:
    return {"calls_today": n.calls, "answered_today": n.answered,
            "talk_seconds_today": n.talk_seconds, "dispositions_today": n.dispositions,
            "contacts_today": n.contacts, "contact_rate": rate(n.contacts, n.dispositions),
            "average_handle_seconds": average(n.talk_seconds, n.answered),
            "conversions_today": n.conversions, "texts_today": n.texts}


@strawberry.type(name="AgentPerformance")
class AgentPerformance:
    agent: AgentType
    calls: int
    answered: int
    dispositions: int
    contacts: int
    contact_rate: float | None
    conversions: int
    talk_seconds: int
    average_handle_seconds: float | None
    texts: int = strawberry.field(description="Outbound texts sent (not FAILED).")

    @classmethod
    def of(cls, f: AgentFigures) -> AgentPerformance:
        n = f.activity
        return cls(agent=agent_type(f.agent), calls=n.calls, answered=n.answered,
                   dispositions=n.dispositions, contacts=n.contacts,
                   contact_rate=rate(n.contacts, n.dispositions), conversions=n.conversions,
                   talk_seconds=n.talk_seconds,
                   average_handle_seconds=average(n.talk_seconds, n.answered), texts=n.texts)


@strawberry.type(name="OutcomeCount")
class OutcomeCount:
    key: str = strawberry.field(description=(
        "QUEUE: the queue type; LENDER: the lender (lower case) of the user's oldest open "
        "claim; HOUR: Europe/London hour of day, 00-23; AGENT: the agent's id."))
    label: str = strawberry.field(description="What to show: the agent's name for AGENT.")
    outcome: CallOutcome
    count: int

    @strawberry.field(description="Whether the outcome counts as a contact (a real "
                                  "conversation), as contactRate counts them.")
    def contact(self) -> bool:
        return is_contact(self.outcome.value)
