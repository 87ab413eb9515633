"""Thin resolvers for reading users from the replica."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.users.model import parse_user_id
from graphql_api.errors import BadUserInput
from graphql_api.types.users import UserContextType


def user_id_argument(raw: strawberry.ID, argument: str = "userId") -> int:
    try:
        return parse_user_id(raw)
    except ValueError as exc:
        raise BadUserInput(str(exc), field=argument) from exc


async def user_context(info: Info, user_id: strawberry.ID) -> UserContextType | None:
    item = await info.context.loaders.user_context.load(user_id_argument(user_id))
    return UserContextType.from_domain(item) if item else None


MAX_CONTEXTS = 100


async def user_contexts(info: Info, user_ids: list[strawberry.ID]) -> list[UserContextType | None]:
    if not 1 <= len(user_ids) <= MAX_CONTEXTS:
        raise BadUserInput(f"userIds takes 1 to {MAX_CONTEXTS} ids, got {len(user_ids)}",
                           field="userIds")
    ids = [user_id_argument(raw, "userIds") for raw in user_ids]
    items = await info.context.loaders.user_context.load_many(ids)
    return [UserContextType.from_domain(i) if i else None for i in items]
