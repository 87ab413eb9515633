"""Magic links by e-mail over SMTP (SMTP_URL set), against a small SMTP server on loopback."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import re

import pytest

from infrastructure.email.smtp import SmtpEmailSender
from tests.integration.test_magic_links import Env
from tests.queue_env import queue_env

pytestmark = pytest.mark.integration
LINK_RE = re.compile(r"http://links\.test/l/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


class SmtpServer:
    """Speaks just enough SMTP (RFC 5321, AUTH PLAIN) to receive what smtplib sends."""

    def __init__(self):
        self.received: list[email.message.Message] = []
        self.logins: list[str] = []
        self.refuse_recipients = False
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _session(self, reader, writer) -> None:
        def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        reply("220 mail.test ESMTP")
        while line := (await reader.readline()).decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                reply("250-mail.test")
                reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                self.logins.append(base64.b64decode(line.split()[2]).decode())
                reply("235 2.7.0 Authentication successful")
            elif verb == "RCPT" and self.refuse_recipients:
                reply("550 5.1.1 No such mailbox")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    data += chunk
                self.received.append(email.message_from_bytes(data, policy=email.policy.default))
                reply("250 2.0.0 Queued")
            elif verb == "QUIT":
                reply("221 Bye")
                break
            else:
                reply("250 OK")
            await writer.drain()
        await writer.drain()
        writer.close()


@pytest.fixture(scope="module")
async def smtp():
    server = SmtpServer()
    port = await server.start()
    yield server, port
    await server.stop()


@pytest.fixture(scope="module")
async def env(smtp):
    async with queue_env(link_base_url="http://links.test",
                         smtp_url=f"smtp://links%40rmc:s3cret@127.0.0.1:{smtp[1]}",
                         email_from="RMC Claims <links@rmc.test>") as (services, rows, clock):
        built = Env(services, rows, clock)
        yield built
        await built.http.aclose()


async def test_with_smtp_configured_the_link_is_mailed(env, smtp):
    server, _ = smtp
    assert isinstance(env.services.magic_links.email, SmtpEmailSender)
    user = await env.rows.user(email="amelia@example.com")
    sent = await env.send(user, "SIGN", "EMAIL")
    assert sent["__typename"] == "MagicLinkSent"
    mail = server.received[-1]
    assert (mail["To"], mail["From"]) == ("amelia@example.com", "RMC Claims <links@rmc.test>")
    assert mail["Subject"] == "Sign your claim documents"
    assert server.logins[-1] == "\0links@rmc\0s3cret"
    token = LINK_RE.search(mail.get_content()).group(1)
    [row] = await env.rows_for(user)
    assert row["delivery_ref"] == mail["Message-ID"].strip("<>")
    assert (await env.http.get(f"/l/{token}")).status_code == 303


async def test_a_refused_mail_withdraws_the_link(env, smtp):
    server, _ = smtp
    server.refuse_recipients = True
    try:
        user = await env.rows.user(email="nobody@example.com")
        refused = await env.send(user, "SIGN", "EMAIL")
    finally:
        server.refuse_recipients = False
    assert refused["__typename"] == "MagicLinkRejected" and refused["reason"] == "SEND_FAILED"
    assert not await env.rows_for(user)


def test_a_malformed_smtp_url_is_refused_at_start_up():
    from pydantic import ValidationError

    from infrastructure.settings import Settings

    with pytest.raises(ValidationError, match="SMTP_URL"):
        Settings(_env_file=None, smtp_url="mail.example.com:25")
