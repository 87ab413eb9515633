"""GraphQL types of a user search's results."""

from __future__ import annotations

import strawberry

from domain.users.search import MatchedOn as DomainMatchedOn
from graphql_api.types.users import UserType

MatchedOn = strawberry.enum(DomainMatchedOn, name="MatchedOn", description=(
    "What of the user the query matched: their phone number (any written form, or its "
    "start), e-mail (or its start), a claim's id, or their name (fuzzily)."))


@strawberry.type(name="UserSearchResult")
class UserSearchResultType:
    user: UserType
    matched_on: MatchedOn
    rank: float = strawberry.field(description=(
        "1.0 an exact match; less for the start of a number or address, or a name by "
        "trigram similarity (the mean of the whole name's and the best word's)."))
