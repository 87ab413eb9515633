"""What messaging needs from the outside world: an SMS gateway (Twilio)."""

from __future__ import annotations

import abc
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class ContactState:
    """Whether and where a user may be texted."""

    e164: str | None
    opted_out: bool
    do_not_call: bool
