"""GraphQL types of scores, rule sets and experiments."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.conversations.actions import TakenAction, queue_effect
from domain.scoring.records import RuleSetRecord
from graphql_api.types.conversations import Intent
from graphql_api.types.queue import QueueType


@strawberry.type
class ScoreBreakdown:
    lender_score: float
    age_score: float
    time_score: float = strawberry.field(description="Claim age and days since last contact.")
    disposition_score: float = strawberry.field(
        description="Last outcome and failed attempts.")
    adjustment_score: float
    learned_score: float = strawberry.field(
        description="Learned factors: best hours, segment conversion, preferred channel, "
                    "model (DESIGN.md section 11); 0 with rules that learn nothing.")


@strawberry.type
class AutomaticAction:
    """Something the dialler did unasked about one of the user's inbound texts."""

    message_id: strawberry.ID = strawberry.field(description="The inbound text it answered.")
    at: datetime = strawberry.field(description="When that text was received.")
    intent: Intent | None = strawberry.field(description="What the text was read as.")
    confidence: float | None
    action: str = strawberry.field(description="As on the message (SmsMessage.action).")
    queue_effect: str = strawberry.field(description="What it changes for the queue.")
    effect_until: datetime | None = strawberry.field(description=(
        "The callback's time for CALLBACK_BOOKED, the end of the hold for REMINDERS_HELD; "
        "null otherwise."))

    @classmethod
    def from_domain(cls, taken: TakenAction) -> AutomaticAction:
        effect = queue_effect(taken)
        return cls(message_id=strawberry.ID(str(taken.message_id)), at=taken.received_at,
                   intent=taken.intent, confidence=taken.confidence, action=taken.action,
                   queue_effect=effect.summary, effect_until=effect.until)


@strawberry.type
class ScoreExplanation:
    user_id: strawberry.ID
    total_score: float = strawberry.field(description="The sum of the breakdown; lower is sooner.")
    queue_type: QueueType | None = strawberry.field(description="null: in no queue (see factors).")
    rule_set_version: int
    experiment_arm: str | None
    breakdown: ScoreBreakdown
    factors: list[str]
    recommendations: list[str]
    automatic_actions: list[AutomaticAction] = strawberry.field(description=(
        "What was done unasked about their inbound texts of the last 30 days, newest "
        "first, at most 10."))


@strawberry.type(name="RuleSet")
class RuleSetType:
    id: strawberry.ID
    name: str
    version: int
    status: str = strawberry.field(description="DRAFT, ACTIVE or RETIRED.")
    created_at: datetime
    document: JSON

    @classmethod
    def from_domain(cls, r: RuleSetRecord) -> RuleSetType:
        return cls(id=strawberry.ID(str(r.id)), name=r.name, version=r.version,
                   status=r.status.value, created_at=r.created_at, document=r.document)


@strawberry.type
class RuleSetCreated:
    rule_set: RuleSetType


@strawberry.type
class RuleSetProblem:
    path: str
    message: str


@strawberry.type
class RuleSetInvalid:
    problems: list[RuleSetProblem]


@strawberry.type(name="Experiment")
class ExperimentType:
    id: strawberry.ID
    name: str
    status: str
    share: float
    started_at: datetime
    arms: list[ExperimentArm]
    p_value: float | None = strawberry.field(
        description="Two-proportion test of conversion between the arms; null if undefined.")


@strawberry.type
class ExperimentArm:
    name: str
    users: int
    attempts: int
    contact_rate: float | None
    conversion_rate: float | None = strawberry.field(
        description="Share of called users who signed or completed a document within 7 days.")


@strawberry.type
class ExperimentStarted:
    experiment: ExperimentType


@strawberry.type
class ExperimentRejected:
    message: str
