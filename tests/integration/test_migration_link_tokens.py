"""Migration 0010: bodies kept before it lose their tokens, and those links stop redeeming."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from domain.links import tokens
from domain.links.masking import tokens_in
from domain.links.model import Invalidity, MagicLink
from infrastructure.postgres.engine import make_engine
from infrastructure.postgres.magic_links import PgMagicLinks
from infrastructure.postgres.migrate import (
    current_revision,
    head_revision,
    migrate,
)
from tests import services as svc

pytestmark = pytest.mark.integration
KEY = tokens.derive_key("m" * 40)
NOW = datetime.now(UTC)
BASE = "https://dialler.example/l/"
COPIES = 1_100  # more than one batch of the migration's


@pytest.fixture
async def before_0010():
    """A database at 0009, and a connection to it."""
    address = await svc.create_postgres_database("mask_links")
    engine = make_engine(address, pool_size=1)
    await migrate(engine, "0009")
    conn = await asyncpg.connect(address.plain_url)
    try:
        yield engine, conn, address
    finally:
        await conn.close()
        await engine.dispose()
        await svc.drop_postgres_database(address)


async def _link(conn, user: int) -> tuple[uuid.UUID, str]:
    token, link_id = tokens.mint(KEY), uuid.uuid4()
    await conn.execute(
        "INSERT INTO magic_links (id, token_hash, user_id, purpose, channel, sent_at, "
        "expires_at) VALUES ($1, $2, $3, 'SIGN', 'SMS', $4, $5)", link_id,
        tokens.token_hash(token), user, NOW - timedelta(hours=1), NOW + timedelta(hours=23))
    return link_id, token


async def _message(conn, body: str, failure: str | None = None,
                   direction: str = "OUTBOUND") -> int:
    return await conn.fetchval(
        "INSERT INTO sms_messages (user_id, direction, body, status, failure_reason) "
        "VALUES (1, $1, $2, 'SENT', $3) RETURNING id", direction, body, failure)


async def _stored(conn) -> str:
    rows = await conn.fetch("SELECT t::text AS row FROM sms_messages t UNION ALL "
                            "SELECT t::text FROM callbacks t")
    return "\n".join(r["row"] for r in rows)


async def _exposed_links(conn) -> dict:
    """Links whose tokens were kept readable in every way 0009 could keep them."""
    (sent_id, sent), (echoed_id, echoed), (quoted_id, quoted) = [
        await _link(conn, 1) for _ in range(3)]
    safe_id, safe = await _link(conn, 1)  # its token was never kept anywhere
    ids = {
        "follow_up": await _message(conn, f"Hi Amelia, finish online: {BASE}{sent} Reply STOP."),
        "reply": await _message(conn, f"it says https://app.example/sign?token={echoed} ??",
                                direction="INBOUND"),
        "failed": await _message(conn, "Hi, see [link]", f"Twilio quoted '{BASE}{quoted}'"),
        "stranger": await _message(conn, f"{BASE}{tokens.mint(KEY)} (purged long ago)"),
        "plain": await _message(conn, "Hello, can we call you at 3?"),
    }
    await conn.execute(
        "INSERT INTO sms_messages (user_id, direction, body, status) SELECT 1, 'OUTBOUND', "
        "$1, 'SENT' FROM generate_series(1, $2)", f"copy {BASE}{sent}", COPIES)
    await conn.execute("INSERT INTO callbacks (user_id, scheduled_for, status, note) VALUES "
                       "(1, $1, 'pending', $2)", NOW, f"customer asked about {BASE}{sent}")
    return {"ids": ids, "sent": (sent_id, sent), "echoed": (echoed_id, echoed),
            "quoted": (quoted_id, quoted), "safe": (safe_id, safe)}


async def test_kept_tokens_are_masked_and_their_links_revoked(before_0010):
    engine, conn, address = before_0010
    exposed = await _exposed_links(conn)
    assert len(tokens_in(await _stored(conn))) == COPIES + 5
    await migrate(engine)
    assert await current_revision(engine) == head_revision()

    stored = await _stored(conn)
    assert tokens_in(stored) == []
    for name in ("sent", "echoed", "quoted", "safe"):
        assert exposed[name][1] not in stored and exposed[name][1][:32] not in stored
    body = {name: await conn.fetchrow("SELECT body, failure_reason FROM sms_messages "
                                      "WHERE id = $1", message_id)
            for name, message_id in exposed["ids"].items()}
    sent_id, echoed_id, quoted_id = (exposed[n][0] for n in ("sent", "echoed", "quoted"))
    assert body["follow_up"]["body"] == (
        f"Hi Amelia, finish online: {BASE}[link {sent_id}] Reply STOP.")
    assert body["reply"]["body"] == f"it says https://app.example/sign?token=[link {echoed_id}] ??"
    assert body["failed"]["failure_reason"] == f"Twilio quoted '{BASE}[link {quoted_id}]'"
    assert body["stranger"]["body"] == f"{BASE}[link] (purged long ago)"
    assert body["plain"]["body"] == "Hello, can we call you at 3?"
    assert await conn.fetchval("SELECT count(*) FROM sms_messages WHERE body = $1",
                               f"copy {BASE}[link {sent_id}]") == COPIES
    assert await conn.fetchval("SELECT note FROM callbacks") == (
        f"customer asked about {BASE}[link {sent_id}]")

    pool = await asyncpg.create_pool(address.plain_url, min_size=1, max_size=1)
    try:
        links = PgMagicLinks(pool)
        for name in ("sent", "echoed", "quoted"):
            assert await links.redeem(tokens.token_hash(exposed[name][1]), NOW) is \
                Invalidity.EXPIRED
        assert isinstance(await links.redeem(tokens.token_hash(exposed["safe"][1]), NOW),
                          MagicLink)
        states = {link.id: link.state(NOW) for link in await links.for_user(1, 10)}
    finally:
        await pool.close()
    assert {states[exposed[n][0]].value for n in ("sent", "echoed", "quoted")} == {"EXPIRED"}
    assert states[exposed["safe"][0]].value == "USED"


async def test_downgrade_keeps_bodies_masked_and_revoked_links_dead(before_0010):
    engine, conn, _ = before_0010
    exposed = await _exposed_links(conn)
    await migrate(engine, "0010")
    await svc.downgrade(engine, "0009")
    assert await current_revision(engine) == "0009"
    assert tokens_in(await _stored(conn)) == []  # nothing to restore, nothing restored
    columns = {r["column_name"] for r in await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'magic_links'")}
    assert "revoked_at" not in columns
    # For the code of 0009, which knows no revocation, the revoked links have expired.
    expired = {r["id"] for r in await conn.fetch(
        "SELECT id FROM magic_links WHERE expires_at <= now()")}
    assert expired == {exposed[n][0] for n in ("sent", "echoed", "quoted")}
    await migrate(engine)  # and up again
    assert await current_revision(engine) == head_revision()

