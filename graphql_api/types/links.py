"""GraphQL types of magic links."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.links.model import Channel as DomainChannel
from domain.links.model import Invalidity, LinkState, MagicLink, Rejection
from domain.links.model import Purpose as DomainPurpose

MagicLinkPurpose = strawberry.enum(DomainPurpose, name="MagicLinkPurpose",
                                   description="Where the link takes the user in the main app.")
Channel = strawberry.enum(DomainChannel, name="Channel", description="How a link is sent.")
MagicLinkState = strawberry.enum(LinkState, name="MagicLinkState")
MagicLinkRejectReason = strawberry.enum(Rejection, name="MagicLinkRejectReason",
                                        description="Why a link was not sent.")
MagicLinkInvalidReason = strawberry.enum(
    Invalidity, name="MagicLinkInvalidReason",
    description="Why a link cannot be redeemed; a tampered or made-up token is UNKNOWN.")


@strawberry.type(name="MagicLink")
class MagicLinkType:
    id: strawberry.ID
    user_id: strawberry.ID
    purpose: MagicLinkPurpose
    channel: Channel
    sent_at: datetime
    expires_at: datetime
    clicked_at: datetime | None = strawberry.field(description="The first click.")
    click_count: int
    used_at: datetime | None
    state: MagicLinkState = strawberry.field(description="As of the request.")

    @classmethod
    def from_domain(cls, link: MagicLink, now: datetime) -> MagicLinkType:
        return cls(id=strawberry.ID(str(link.id)), user_id=strawberry.ID(str(link.user_id)),
                   purpose=link.purpose, channel=link.channel, sent_at=link.sent_at,
                   expires_at=link.expires_at, clicked_at=link.clicked_at,
                   click_count=link.click_count, used_at=link.used_at, state=link.state(now))


@strawberry.type
class MagicLinkSent:
    link: MagicLinkType


@strawberry.type
class MagicLinkRejected:
    reason: MagicLinkRejectReason
    message: str


@strawberry.type
class MagicLinkRedeemed:
    user_id: strawberry.ID
    purpose: MagicLinkPurpose
    link_id: strawberry.ID


@strawberry.type
class MagicLinkInvalid:
    reason: MagicLinkInvalidReason
    message: str
