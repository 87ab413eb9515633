"""Magic links in PostgreSQL (asyncpg): issue under a rate limit, click, redeem once, purge."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.links.model import Channel, Invalidity, LinkState, MagicLink, Purpose, state_of

_COLUMNS = ("id, user_id, purpose, channel, sent_at, expires_at, clicked_at, click_count, "
            "used_at, revoked_at")


def to_link(row: asyncpg.Record) -> MagicLink:
    return MagicLink(id=row["id"], user_id=row["user_id"], purpose=Purpose(row["purpose"]),
                     channel=Channel(row["channel"]), sent_at=row["sent_at"],
                     expires_at=row["expires_at"], clicked_at=row["clicked_at"],
                     click_count=row["click_count"], used_at=row["used_at"],
                     revoked_at=row["revoked_at"])


class PgMagicLinks:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def is_opted_out(self, user_id: int, channel: Channel, address: str) -> bool:
        """On do_not_call (any channel), or for SMS: the user or the number texted STOP."""
        sql = "SELECT EXISTS (SELECT 1 FROM do_not_call WHERE user_id = $1)"
        args: list = [user_id]
        if channel is Channel.SMS:
            sql += (" OR EXISTS (SELECT 1 FROM sms_opt_outs WHERE user_id = $1 OR e164 = $2)")
            args.append(address)
        async with self.pool.acquire() as conn:
            return bool(await conn.fetchval(sql, *args))

    async def insert_within_limit(self, *, token_hash: str, user_id: int, purpose: Purpose,
                                  channel: Channel, sent_to: str | None,
                                  sent_by: uuid.UUID | None, now: datetime,
                                  expires_at: datetime, window_start: datetime,
                                  limit: int) -> MagicLink | None:
        """The new link, or None when the user already had ``limit`` links since the start.

        A per-user transaction lock makes count-then-insert atomic across processes. Revoked
        links do not count: each was replaced by a successor, or withdrawn by us.
        """
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended("
                               "'magic_link:' || $1::bigint::text, 0))", user_id)
            recent = await conn.fetchval("SELECT count(*) FROM magic_links WHERE user_id = $1 "
                                         "AND sent_at > $2 AND revoked_at IS NULL",
                                         user_id, window_start)
            if recent >= limit:
                return None
            row = await conn.fetchrow(
                "INSERT INTO magic_links (id, token_hash, user_id, purpose, channel, sent_to, "
                "sent_by, sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                f"RETURNING {_COLUMNS}", uuid.uuid4(), token_hash, user_id, purpose.value,
                channel.value, sent_to, sent_by, now, expires_at)
            return to_link(row)

    async def set_delivery_ref(self, link_id: uuid.UUID, ref: str | None) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute("UPDATE magic_links SET delivery_ref = $2 WHERE id = $1",
                               link_id, (ref or "")[:64] or None)

    async def delete(self, link_id: uuid.UUID) -> None:
        """Forgets a link whose delivery failed: it was never sent, so it never counted."""
        async with self.pool.acquire() as conn:
            await conn.execute("DELETE FROM magic_links WHERE id = $1", link_id)

    async def replace(self, link_id: uuid.UUID, *, token_hash: str, now: datetime,
                      expires_at: datetime) -> MagicLink | None:
        """Revokes an unused link and inserts its successor, in one transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            old = await conn.fetchrow(
                "UPDATE magic_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL "
                "AND used_at IS NULL RETURNING user_id, purpose, channel, sent_to, sent_by",
                link_id, now)
            if old is None:
                return None
            row = await conn.fetchrow(
                "INSERT INTO magic_links (id, token_hash, user_id, purpose, channel, sent_to, "
                "sent_by, sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                f"RETURNING {_COLUMNS}", uuid.uuid4(), token_hash, old["user_id"],
                old["purpose"], old["channel"], old["sent_to"], old["sent_by"], now, expires_at)
        return to_link(row)

    async def record_click(self, token_hash: str, now: datetime) -> MagicLink | None:
        """Counts a click on a known link (used or expired ones too); None: unknown."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "UPDATE magic_links SET click_count = click_count + 1, last_clicked_at = $2, "
                "clicked_at = coalesce(clicked_at, $2) WHERE token_hash = $1 "
                f"RETURNING {_COLUMNS}", token_hash, now)
        return to_link(row) if row else None

    async def redeem(self, token_hash: str, now: datetime) -> MagicLink | Invalidity:
        """Marks the link used, once: the row lock makes a concurrent second redeem USED."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "UPDATE magic_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL "
                f"AND revoked_at IS NULL AND expires_at > $2 RETURNING {_COLUMNS}",
                token_hash, now)
            if row is not None:
                return to_link(row)
            found = await conn.fetchrow("SELECT used_at, expires_at, revoked_at FROM "
                                        "magic_links WHERE token_hash = $1", token_hash)
        if found is None:
            return Invalidity.UNKNOWN
        state = state_of(found["used_at"], found["expires_at"], now, found["revoked_at"])
        return Invalidity.USED if state is LinkState.USED else Invalidity.EXPIRED

    async def for_user(self, user_id: int, limit: int) -> list[MagicLink]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(f"SELECT {_COLUMNS} FROM magic_links WHERE user_id = $1 "
                                    "ORDER BY sent_at DESC, id LIMIT $2", user_id, limit)
        return [to_link(r) for r in rows]

    async def purge_expired_before(self, cutoff: datetime) -> int:
        """Deletes links that expired before ``cutoff``; returns how many."""
        async with self.pool.acquire() as conn:
            status = await conn.execute("DELETE FROM magic_links WHERE expires_at < $1", cutoff)
        return int(status.split()[-1])
