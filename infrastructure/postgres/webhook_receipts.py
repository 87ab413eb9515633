"""Twilio webhook receipts, taken inside the transaction of the change they guard."""

from __future__ import annotations

import asyncpg


async def first_receipt(conn: asyncpg.Connection, key: str) -> bool:
    """True the first time ``key`` is seen. ``conn`` is in the effect's own transaction,
    so a retried webhook finds the receipt only if the effect committed."""
    inserted = await conn.fetchval(
        "INSERT INTO webhook_receipts (key) VALUES ($1) ON CONFLICT (key) DO NOTHING "
        "RETURNING true", key)
    return bool(inserted)
