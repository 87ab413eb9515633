"""Twilio webhook receipts, taken inside the transaction of the change they guard."""

from __future__ import annotations

import asyncpg

from domain.messaging.ports import WebhookReceipts


class PgWebhookReceipts(WebhookReceipts):
    async def first_receipt(self, conn: asyncpg.Connection, key: str) -> bool:
        inserted = await conn.fetchval(
            "INSERT INTO webhook_receipts (key) VALUES ($1) ON CONFLICT (key) DO NOTHING "
            "RETURNING true", key)
        return bool(inserted)
