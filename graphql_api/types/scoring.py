"""GraphQL types of scores, rule sets and experiments."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.scoring.records import RuleSetRecord
from graphql_api.types.queue import QueueType


@strawberry.type
class ScoreBreakdown:
    lender_score: float
    age_score: float
    time_score: float = strawberry.field(description="Claim age and days since last contact.")
    disposition_score: float = strawberry.field(
        description="Last outcome and failed attempts.")
    adjustment_score: float


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
