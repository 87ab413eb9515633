"""What the magic-link use cases need from the outside world."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.links.model import Channel, Invalidity, MagicLink, Purpose
from domain.users.model import User


class EmailSender(Protocol):
    async def send(self, to: str, subject: str, body: str) -> str:
        """Sends (or records) one plain-text e-mail; returns a reference for the log."""


class SentSms(Protocol):
    sid: str


class SmsGateway(Protocol):
    """Twilio's Messages API as the SMS area wraps it (TwilioRest)."""

    async def send_sms(self, to: str, body: str, status_callback: str | None) -> SentSms: ...


class UserDirectory(Protocol):
    async def users(self, user_ids: Sequence[int]) -> dict[int, User]: ...


class LinkStore(Protocol):
    async def is_opted_out(self, user_id: int, channel: Channel, address: str) -> bool: ...

    async def insert_within_limit(self, *, token_hash: str, user_id: int, purpose: Purpose,
                                  channel: Channel, sent_to: str | None,
                                  sent_by: uuid.UUID | None, now: datetime,
                                  expires_at: datetime, window_start: datetime,
                                  limit: int) -> MagicLink | None: ...

    async def set_delivery_ref(self, link_id: uuid.UUID, ref: str | None) -> None: ...

    async def delete(self, link_id: uuid.UUID) -> None: ...

    async def replace(self, link_id: uuid.UUID, *, token_hash: str, now: datetime,
                      expires_at: datetime) -> MagicLink | None:
        """Revokes an unused link and inserts its successor (same user, purpose, channel);
        None when the link is unknown, used or already revoked."""

    async def record_click(self, token_hash: str, now: datetime) -> MagicLink | None: ...

    async def redeem(self, token_hash: str, now: datetime) -> MagicLink | Invalidity: ...

    async def for_user(self, user_id: int, limit: int) -> list[MagicLink]: ...

    async def purge_expired_before(self, cutoff: datetime) -> int: ...
