"""GraphQL types of what the dialler learned: contact profiles and learning snapshots."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.history.records import Channel
from domain.learning.profile import ContactProfile
from domain.learning.reads import SnapshotStatus, SnapshotSummary

ContactChannel = strawberry.enum(Channel, name="ContactChannel",
                                 description="How a user is likelier to respond.")
LearningSnapshotStatus = strawberry.enum(SnapshotStatus, name="LearningSnapshotStatus",
                                         description="One snapshot is ACTIVE at a time.")


@strawberry.type
class HourChance:
    hour: int = strawberry.field(description="London time: the hour that starts at this time.")
    probability: float = strawberry.field(
        description="The chance of an answer, shrunk toward the segment's and everyone's.")
    attempts: int = strawberry.field(description="The user's own calls in this hour.")


@strawberry.type(name="ContactProfile")
class ContactProfileType:
    user_id: strawberry.ID
    snapshot_version: int
    evidence: str = strawberry.field(description="What the figures rest on, in words.")
    call_answer_rate: float | None = strawberry.field(
        description="Shrunk; null: no calls or texts of their own.")
    sms_reply_rate: float | None = strawberry.field(
        description="Shrunk; null: no calls or texts of their own.")
    preferred_channel: ContactChannel | None = strawberry.field(
        description="null: too little evidence, or neither rate clearly higher.")
    best_hours: list[HourChance] = strawberry.field(
        description="Hours 8 to 19, the likeliest to answer first.")

    @classmethod
    def from_domain(cls, p: ContactProfile) -> ContactProfileType:
        return cls(user_id=strawberry.ID(str(p.user_id)), snapshot_version=p.snapshot_version,
                   evidence=p.evidence, call_answer_rate=p.call_answer_rate,
                   sms_reply_rate=p.sms_reply_rate, preferred_channel=p.preferred_channel,
                   best_hours=[HourChance(hour=h.hour, probability=h.probability,
                                          attempts=h.attempts) for h in p.best_hours])


@strawberry.type(name="LearningSnapshot")
class LearningSnapshotType:
    version: int
    status: LearningSnapshotStatus
    created_at: datetime
    users: int = strawberry.field(description="Users with calls or texts of their own.")
    history_rows: int = strawberry.field(description="The calls and texts it learned from.")

    @classmethod
    def from_domain(cls, s: SnapshotSummary) -> LearningSnapshotType:
        return cls(version=s.version, status=s.status, created_at=s.created_at, users=s.users,
                   history_rows=s.history_rows)


@strawberry.type
class LearningFinished:
    snapshot: LearningSnapshotType = strawberry.field(description="The new active snapshot.")


@strawberry.type
class LearningFailed:
    message: str = strawberry.field(
        description="Why: a run already going, or this one failed (the previous snapshot "
                    "stays active).")
