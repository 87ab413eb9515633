"""E-mail over SMTP (stdlib smtplib, run in a thread), used when SMTP_URL is set.

``smtp://user:pass@host:587`` upgrades with STARTTLS when the server offers it;
``smtps://user:pass@host:465`` speaks TLS from the start. A password is never sent
over a connection that is not encrypted: without STARTTLS, a login is refused.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from domain.links.model import mask_email
from infrastructure.logging import get_logger

log = get_logger(__name__)
TIMEOUT_SECONDS = 15.0


class SmtpNotEncrypted(smtplib.SMTPException):
    """The server offers no STARTTLS: logging in would send the password in the clear."""


class SmtpEmailSender:
    def __init__(self, url: str, from_address: str):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://…")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.from_address = from_address

    async def send(self, to: str, subject: str, body: str) -> str:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.from_address, to, subject
        message["Message-ID"] = make_msgid(domain=self.from_address.rpartition("@")[2]
                                           .strip("> ") or None)
        message.set_content(body)
        await asyncio.to_thread(self._deliver, message)
        log.info("e-mail sent", to=mask_email(to), subject=subject,
                 message_id=message["Message-ID"])
        return message["Message-ID"].strip("<>")

    def _deliver(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.implicit_tls:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS,
                                      context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        with server:
            server.ehlo()
            encrypted = self.implicit_tls
            if not encrypted and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
                encrypted = True
            if self.user:
                if not encrypted:
                    raise SmtpNotEncrypted(f"{self.host}:{self.port} offers no STARTTLS; not "
                                           "logging in without TLS (use smtps:// or a server "
                                           "that offers STARTTLS)")
                server.login(self.user, self.password)
            server.send_message(message)
