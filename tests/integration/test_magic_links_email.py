"""Magic links by e-mail over SMTP (SMTP_URL set), against a small SMTP server on loopback."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import ipaddress
import re
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infrastructure.email.smtp import SmtpEmailSender, SmtpNotEncrypted
from tests.integration.test_magic_links import Env
from tests.queue_env import queue_env

pytestmark = pytest.mark.integration
LINK_RE = re.compile(r"http://links\.test/l/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, the certificate its own authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
                ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class SmtpServer:
    """Speaks just enough SMTP (RFC 5321, STARTTLS, AUTH PLAIN) to receive what smtplib sends."""

    def __init__(self, tls: ssl.SSLContext):
        self.received: list[email.message.Message] = []
        self.logins: list[str] = []
        self.logins_encrypted: list[bool] = []
        self.refuse_recipients = False
        self.offer_starttls = True
        self.tls = tls
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
        encrypted = False
        while line := (await reader.readline()).decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                reply("250-mail.test")
                if self.offer_starttls and not encrypted:
                    reply("250-STARTTLS")
                reply("250 AUTH PLAIN")
            elif verb == "STARTTLS":
                reply("220 2.0.0 Ready to start TLS")
                await writer.drain()
                await writer.start_tls(self.tls)
                encrypted = True
                continue
            elif verb == "AUTH":
                self.logins.append(base64.b64decode(line.split()[2]).decode())
                self.logins_encrypted.append(encrypted)
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
async def smtp(tmp_path_factory):
    cert_file, key_file = self_signed(tmp_path_factory.mktemp("smtp-tls"))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server = SmtpServer(tls)
    port = await server.start()
    # The sender verifies the server as it would any other: through the trusted CA file.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SSL_CERT_FILE", str(cert_file))
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
    assert server.logins_encrypted[-1]  # the password went only after STARTTLS
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


async def test_the_sender_logs_in_only_after_starttls(smtp):
    server, port = smtp
    sender = SmtpEmailSender(f"smtp://links%40rmc:s3cret@127.0.0.1:{port}", "a@rmc.test")
    await sender.send("amelia@example.com", "Over TLS", "hello")
    assert server.received[-1]["Subject"] == "Over TLS"
    assert (server.logins[-1], server.logins_encrypted[-1]) == ("\0links@rmc\0s3cret", True)


async def test_without_starttls_the_password_is_never_sent(smtp):
    server, port = smtp
    sender = SmtpEmailSender(f"smtp://links%40rmc:s3cret@127.0.0.1:{port}", "a@rmc.test")
    server.offer_starttls = False
    logins, received = len(server.logins), len(server.received)
    try:
        with pytest.raises(SmtpNotEncrypted, match="STARTTLS"):
            await sender.send("amelia@example.com", "In the clear", "hello")
        # With nothing to log in with, a plain relay still takes the mail.
        await SmtpEmailSender(f"smtp://127.0.0.1:{port}", "a@rmc.test").send(
            "amelia@example.com", "No login", "hello")
    finally:
        server.offer_starttls = True
    assert len(server.logins) == logins  # no AUTH line reached the server
    assert [m["Subject"] for m in server.received[received:]] == ["No login"]


def test_a_malformed_smtp_url_is_refused_at_start_up():
    from pydantic import ValidationError

    from infrastructure.settings import Settings

    with pytest.raises(ValidationError, match="SMTP_URL"):
        Settings(_env_file=None, smtp_url="mail.example.com:25")
