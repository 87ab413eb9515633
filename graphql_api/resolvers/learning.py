"""Thin resolvers of what the dialler learned: contact profiles, snapshots, a run now."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graphql_api.resolvers.users import user_id_argument
from graphql_api.types.learning import (
    ContactProfileType,
    LearningFailed,
    LearningFinished,
    LearningSnapshotType,
)
from service_layer.learning_on_demand import LearningRefused

LearningResult = Annotated[LearningFinished | LearningFailed, strawberry.union("LearningResult")]


async def contact_profile(info: Info, user_id: strawberry.ID) -> ContactProfileType | None:
    found = await info.context.loaders.contact_profile.load(user_id_argument(user_id))
    return ContactProfileType.from_domain(found) if found else None


async def learning_snapshots(info: Info) -> list[LearningSnapshotType]:
    return [LearningSnapshotType.from_domain(s)
            for s in await info.context.services.learned_habits.snapshots()]


async def learn_scores(info: Info) -> LearningResult:
    outcome = await info.context.services.learn_on_demand.run()
    if isinstance(outcome, LearningRefused):
        return LearningFailed(message=outcome.message)
    return LearningFinished(snapshot=LearningSnapshotType.from_domain(outcome))
