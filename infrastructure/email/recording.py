"""The record-only e-mail adapter: logs what it would have sent, sends nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.links.model import mask_email
from infrastructure.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RecordedEmail:
    ref: str
    to: str
    subject: str
    body: str


class RecordingEmailSender:
    """With no mail server configured nothing fails and nothing is sent; the log says so."""

    def __init__(self, keep: int = 100):
        self.keep = keep
        self.recorded: list[RecordedEmail] = []  # the latest few, for operators and tests

    async def send(self, to: str, subject: str, body: str) -> str:
        ref = f"recorded-{uuid.uuid4().hex[:16]}"
        self.recorded = [*self.recorded[-(self.keep - 1):], RecordedEmail(ref, to, subject, body)]
        # The body carries a live link: it is not logged, only its length.
        log.info("e-mail not sent (record-only mode: SMTP_URL is not set)", ref=ref,
                 to=mask_email(to), subject=subject, body_chars=len(body))
        return ref
