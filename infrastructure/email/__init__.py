"""Outbound e-mail: record-only unless SMTP_URL is configured."""

from __future__ import annotations

from domain.links.ports import EmailSender
from infrastructure.email.recording import RecordingEmailSender
from infrastructure.email.smtp import SmtpEmailSender


def email_sender(smtp_url: str | None, from_address: str) -> EmailSender:
    """SMTP when a URL is configured; otherwise the record-only adapter (nothing is sent)."""
    return SmtpEmailSender(smtp_url, from_address) if smtp_url else RecordingEmailSender()
