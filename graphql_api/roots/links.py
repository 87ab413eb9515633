"""Root fields of magic links (merged into Query and Mutation in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from domain.agents.model import Role
from graphql_api.access import SeesUser
from graphql_api.permissions import IsStaff, _HasRole
from graphql_api.resolvers import links
from graphql_api.types.links import MagicLinkType


class IsIntegration(_HasRole):
    """The main application's service account."""

    roles = (Role.INTEGRATION,)


@strawberry.type
class LinksQuery:
    magic_links: list[MagicLinkType] = strawberry.field(
        resolver=links.magic_links, permission_classes=[IsStaff, SeesUser],
        description="A user's links, newest first (at most 100): sent, clicked, used.")


@strawberry.type
class LinksMutation:
    send_magic_link: links.SendMagicLinkResult = strawberry.field(
        resolver=links.send_magic_link, permission_classes=[IsStaff, SeesUser],
        description="Sends a signed, single-use link (24 h by default) by SMS or e-mail.")
    redeem_magic_link: links.RedeemMagicLinkResult = strawberry.field(
        resolver=links.redeem_magic_link, permission_classes=[IsIntegration],
        description="For the main application: consumes a link once.")
