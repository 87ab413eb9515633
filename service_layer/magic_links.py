"""Magic links: issue (checks, rate limit, delivery), follow (click), redeem once, purge.

The link service e-mails a link itself. A link by SMS travels in a text of the
conversation: its sender (``service_layer/link_sending.py``, the follow-ups, the automated
agents) passes ``deliver=False`` and puts ``LinkIssued.url`` in its own message, so every
check of the link still applies and every check of a text too. ``renew`` gives
a message sent again a successor to the link it carried (the token was never kept).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.links import tokens
from domain.links.masking import CarriedLink, stored_form
from domain.links.model import (
    Channel,
    Invalidity,
    MagicLink,
    Purpose,
    Rejection,
    app_url,
    email_content,
    invalidity,
    link_url,
    looks_like_email,
    mask_email,
)
from domain.links.ports import EmailSender, LinkStore, UserDirectory
from domain.messaging.ports import LinkRenewal
from domain.users.model import User
from domain.users.phone import mask, to_e164

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    ttl: timedelta
    rate_per_hour: int
    retention: timedelta
    link_base_url: str  # this API's public address: links are <base>/l/<token>
    main_app_url: str

    @property
    def ttl_hours(self) -> int:
        return max(1, int(self.ttl.total_seconds() // 3600))


@dataclass(frozen=True, slots=True)
class LinkIssued:
    link: MagicLink
    url: str = field(repr=False)  # carries the token: hand it to the user only, never log it
    token: str = field(repr=False)

    @property
    def carried(self) -> CarriedLink:
        """What a message carrying this link needs to keep it masked."""
        return CarriedLink(self.link.id, self.token)


@dataclass(frozen=True, slots=True)
class LinkRejected:
    reason: Rejection
    message: str


class MagicLinks(LinkRenewal):
    def __init__(self, store: LinkStore, users: UserDirectory, key: bytes, policy: LinkPolicy,
                 *, email: EmailSender, clock: Callable[[], datetime],
                 previous_keys: tuple[bytes, ...] = ()):
        """``previous_keys``: rotated out, still accepted for links sent before (never
        signed with), until they have expired."""
        self.store, self.users, self._key, self.policy = store, users, key, policy
        self._accepted = (key, *previous_keys)
        self.email, self.clock = email, clock

    async def issue_magic_link(self, user_id: int, purpose: Purpose, channel: Channel, *,
                               sent_by: uuid.UUID | None = None,
                               deliver: bool = True) -> LinkIssued | LinkRejected:
        """Mints, stores (hash only) and e-mails a link, or says why not; nothing kept on
        refusal. ``deliver`` is for e-mail only: an SMS link is the caller's to send."""
        if deliver and channel is Channel.SMS:
            raise ValueError("a link by SMS is sent in a text of the conversation "
                             "(LinkSending), not by the link service")
        user = (await self.users.users([user_id])).get(user_id)
        if user is None:
            return LinkRejected(Rejection.NO_SUCH_USER, f"there is no user {user_id}")
        address = _address(user, channel)
        if isinstance(address, LinkRejected):
            return address
        if await self.store.is_opted_out(user_id, channel, address):
            return LinkRejected(Rejection.OPTED_OUT, "the user has asked not to be contacted")
        token, now = tokens.mint(self._key), self.clock()
        link = await self.store.insert_within_limit(
            token_hash=tokens.token_hash(token), user_id=user_id, purpose=purpose,
            channel=channel, sent_to=_masked(address, channel), sent_by=sent_by, now=now,
            expires_at=now + self.policy.ttl, window_start=now - timedelta(hours=1),
            limit=self.policy.rate_per_hour)
        if link is None:
            return LinkRejected(Rejection.RATE_LIMITED,
                                f"at most {self.policy.rate_per_hour} links per user an hour")
        url = link_url(self.policy.link_base_url, token)
        if deliver:
            failure = await self._deliver(link, address, url)
            if failure:
                return failure
        return LinkIssued(link, url, token)

    async def delivered(self, link_id: uuid.UUID, ref: str) -> None:
        """Notes what carried a link its caller delivered (the SMS message, say)."""
        await self.store.set_delivery_ref(link_id, ref)

    async def withdraw(self, link_id: uuid.UUID) -> None:
        """Removes a link minted for a message that was then not sent (its token never left)."""
        await self.store.delete(link_id)

    async def renew(self, link_id: uuid.UUID) -> CarriedLink | None:
        """Revokes an unused link and mints its successor, with a fresh lifetime, for a
        message sent again; None when the link is unknown, used or revoked already."""
        token, now = tokens.mint(self._key), self.clock()
        link = await self.store.replace(link_id, token_hash=tokens.token_hash(token), now=now,
                                        expires_at=now + self.policy.ttl)
        if link is None:
            return None
        log.info("magic link %s renewed as %s for a message sent again", link_id, link.id)
        return CarriedLink(link.id, token)

    async def _deliver(self, link: MagicLink, address: str, url: str) -> LinkRejected | None:
        hours = self.policy.ttl_hours
        try:
            ref = await self.email.send(address, *email_content(link.purpose, url, hours))
        except Exception as exc:  # noqa: BLE001 - any delivery failure: the link is withdrawn
            # A provider's error text may quote what it was given: never pass a token on.
            reason = stored_form(str(getattr(exc, "reason", exc)))
            log.warning("magic link %s not delivered by %s: %s: %s", link.id,
                        link.channel.value, type(exc).__name__, reason)
            await self.store.delete(link.id)
            return LinkRejected(Rejection.SEND_FAILED, f"the {link.channel.value} could not be "
                                                       f"sent: {reason}")
        await self.store.set_delivery_ref(link.id, ref)
        log.info("magic link %s sent to user %s by %s (%s, ref %s)", link.id, link.user_id,
                 link.channel.value, link.purpose.value, ref)
        return None

    async def follow(self, token: str) -> str | Invalidity:
        """A click: counted when the link is known; the main app's URL when still usable."""
        if not tokens.is_authentic_with_any(self._accepted, token):
            return Invalidity.UNKNOWN  # tampered or made up: no database lookup
        now = self.clock()
        link = await self.store.record_click(tokens.token_hash(token), now)
        if link is None:
            return Invalidity.UNKNOWN
        return invalidity(link.state(now)) or app_url(self.policy.main_app_url, link.purpose,
                                                      token)

    async def redeem(self, token: str) -> MagicLink | Invalidity:
        """Consumes the link once; a second (or concurrent) redeem is USED."""
        if not tokens.is_authentic_with_any(self._accepted, token):
            return Invalidity.UNKNOWN
        return await self.store.redeem(tokens.token_hash(token), self.clock())

    async def links_for_user(self, user_id: int, limit: int = 100) -> list[MagicLink]:
        return await self.store.for_user(user_id, limit)

    async def purge_expired_links(self, now: datetime | None = None) -> int:
        """Deletes links that expired more than the retention period ago; returns how many."""
        return await self.store.purge_expired_before((now or self.clock()) - self.policy.retention)


def _address(user: User, channel: Channel) -> str | LinkRejected:
    if channel is Channel.EMAIL:
        if not looks_like_email(user.email):
            return LinkRejected(Rejection.NO_EMAIL, "the user has no usable e-mail address")
        return user.email.strip()
    e164 = to_e164(user.phone_number)
    if e164 is None:
        return LinkRejected(Rejection.UNDIALABLE, "the user's phone number is not a valid "
                                                  "number to text")
    return e164


def _masked(address: str, channel: Channel) -> str:
    return (mask_email(address) if channel is Channel.EMAIL else mask(address) or "")[:64]
