"""Thin resolvers for magic links: send, list, redeem."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.links.model import Invalidity
from graphql_api import limits
from graphql_api.resolvers.users import user_id_argument
from graphql_api.types.links import (
    Channel,
    MagicLinkInvalid,
    MagicLinkPurpose,
    MagicLinkRedeemed,
    MagicLinkRejected,
    MagicLinkSent,
    MagicLinkType,
)
from service_layer.magic_links import LinkRejected

SendMagicLinkResult = Annotated[MagicLinkSent | MagicLinkRejected,
                                strawberry.union("SendMagicLinkResult")]
RedeemMagicLinkResult = Annotated[MagicLinkRedeemed | MagicLinkInvalid,
                                  strawberry.union("RedeemMagicLinkResult")]

MAX_TOKEN_CHARS = 200
_INVALID_MESSAGES = {Invalidity.EXPIRED: "the link has expired",
                     Invalidity.USED: "the link has already been used",
                     Invalidity.UNKNOWN: "the link is not one this service gave out"}


async def send_magic_link(info: Info, user_id: strawberry.ID, purpose: MagicLinkPurpose,
                          channel: Channel) -> SendMagicLinkResult:
    await limits.check_magic_link(info, user_id_argument(user_id))
    services = info.context.services
    result = await services.link_sending.send(
        user_id_argument(user_id), purpose, channel,
        sent_by=info.context.require_principal().agent_id)
    if isinstance(result, LinkRejected):
        return MagicLinkRejected(reason=result.reason, message=result.message)
    return MagicLinkSent(link=MagicLinkType.from_domain(result.link, services.clock()))


async def magic_links(info: Info, user_id: strawberry.ID) -> list[MagicLinkType]:
    services = info.context.services
    links = await services.magic_links.links_for_user(user_id_argument(user_id))
    now = services.clock()
    return [MagicLinkType.from_domain(link, now) for link in links]


async def redeem_magic_link(info: Info, token: str) -> RedeemMagicLinkResult:
    # An over-long token cannot be ours: refused like any unknown one, without a lookup.
    result = (Invalidity.UNKNOWN if len(token) > MAX_TOKEN_CHARS
              else await info.context.services.magic_links.redeem(token.strip()))
    if isinstance(result, Invalidity):
        return MagicLinkInvalid(reason=result, message=_INVALID_MESSAGES[result])
    return MagicLinkRedeemed(user_id=strawberry.ID(str(result.user_id)), purpose=result.purpose,
                             link_id=strawberry.ID(str(result.id)))
