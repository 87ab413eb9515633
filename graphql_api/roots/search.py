"""Root field of the user search (merged in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.permissions import IsSupervisor
from graphql_api.resolvers import search
from graphql_api.types.search import UserSearchResultType


@strawberry.type
class SearchQuery:
    search_users: list[UserSearchResultType] = strawberry.field(
        resolver=search.search_users, permission_classes=[IsSupervisor],
        description="Users by phone number in any written form, e-mail, claim id or name "
                    "(fuzzy, ranked), best first, each once (SUPERVISOR, ADMIN). A query "
                    "needs at least two letters or digits; first is at most 50.")
