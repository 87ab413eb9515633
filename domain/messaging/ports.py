"""What messaging needs from the outside world: an SMS gateway (Twilio)."""

from __future__ import annotations

import abc
import uuid
from dataclasses import dataclass

from domain.links.masking import CarriedLink


@dataclass(frozen=True, slots=True)
class SentMessage:
    sid: str
    status: str  # Twilio's MessageStatus, e.g. "queued"


class TwilioSendFailed(Exception):
    """The gateway refused or could not take a message; ``retryable`` says whether to retry."""

    def __init__(self, reason: str, retryable: bool):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class SmsGateway(abc.ABC):
    @abc.abstractmethod
    async def send_sms(self, to: str, body: str, status_callback: str | None) -> SentMessage:
        """Hands one message to the provider; raises TwilioSendFailed."""

    @abc.abstractmethod
    async def delete_recording(self, sid: str) -> bool:
        """Deletes a call recording; False when it was already gone."""


class LinkRenewal(abc.ABC):
    """Fresh links for a message sent again: its kept text holds only the old links' ids."""

    @abc.abstractmethod
    async def renew(self, link_id: uuid.UUID) -> CarriedLink | None:
        """Revokes the link and mints its successor; None when it cannot be renewed."""


@dataclass(frozen=True, slots=True)
class ContactState:
    """Whether and where a user may be texted."""

    e164: str | None
    opted_out: bool
    do_not_call: bool


class WebhookReceipts(abc.ABC):
    """Which Twilio webhooks were already applied: a retry finds its receipt."""

    @abc.abstractmethod
    async def first_receipt(self, conn: object, key: str) -> bool:
        """True the first time ``key`` is seen; ``conn`` is the connection of the effect's
        own transaction, so the receipt commits or rolls back with the effect."""
