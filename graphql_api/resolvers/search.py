"""Thin resolver of finding customers by phone, e-mail, claim id or name."""

from __future__ import annotations

from strawberry.types import Info

from domain.users.search import InvalidSearch
from graphql_api.access import require_users
from graphql_api.errors import BadUserInput
from graphql_api.types.search import UserSearchResultType
from graphql_api.types.users import UserType


async def search_users(info: Info, query: str, first: int) -> list[UserSearchResultType]:
    try:
        hits = await info.context.services.user_search.search(query, first)
    except InvalidSearch as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc
    await require_users(info, [h.user_id for h in hits])
    users = await info.context.loaders.user.many([h.user_id for h in hits])
    # A user the replica deleted since the index last heard is left out, not answered empty.
    return [UserSearchResultType(user=UserType.from_domain(u), matched_on=h.matched_on,
                                 rank=h.rank)
            for h, u in zip(hits, users, strict=True) if u is not None]
