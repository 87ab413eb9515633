"""Twilio webhook receipts, taken inside the transaction of the change they guard."""

from __future__ import annotations

import asyncpg


class PgWebhookReceipts:
    """Which Twilio webhooks were already applied: a retry finds its receipt."""

    @staticmethod
    async def first_receipt(conn: asyncpg.Connection, key: str) -> bool:
        """True the first time ``key`` is seen; ``conn`` is the effect's own transaction's,
        so the receipt commits or rolls back with the effect."""
        inserted = await conn.fetchval(
            "INSERT INTO webhook_receipts (key) VALUES ($1) ON CONFLICT (key) DO NOTHING "
            "RETURNING true", key)
        return bool(inserted)
