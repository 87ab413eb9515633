"""Root fields of learning from history (merged in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.access import SeesUser
from graphql_api.permissions import IsAdmin, IsStaff, IsSupervisor
from graphql_api.resolvers import learning
from graphql_api.types.learning import ContactProfileType, LearningSnapshotType


@strawberry.type
class LearningQuery:
    contact_profile: ContactProfileType | None = strawberry.field(
        resolver=learning.contact_profile, permission_classes=[IsStaff, SeesUser],
        description="What the active learning snapshot says of a user's habits; null: no "
                    "snapshot active, or no such user.")
    learning_snapshots: list[LearningSnapshotType] = strawberry.field(
        resolver=learning.learning_snapshots, permission_classes=[IsSupervisor],
        description="Every learning snapshot, newest first (SUPERVISOR, ADMIN).")


@strawberry.type
class LearningMutation:
    learn_scores: learning.LearningResult = strawberry.field(
        resolver=learning.learn_scores, permission_classes=[IsAdmin],
        description="Learns a new snapshot from the history now (ADMIN); LearningFailed "
                    "while a run is going or when this one fails (the previous stays active).")
