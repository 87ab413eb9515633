"""Texts a person must review, in PostgreSQL (asyncpg)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.conversations.model import Intent
from domain.conversations.ports import TextReviews
from domain.conversations.reviews import ResolvedReview, ReviewPage, ReviewRejection, TextReview
from infrastructure.postgres.messages import MessagingTx

# Kept with the decision in place of an SMS keyword: who opted them out, and how.
REVIEW_KEYWORD = "REVIEW"


class PgTextReviews(TextReviews):
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def pending(self, first: int, after: tuple[datetime, int] | None) -> ReviewPage:
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(
                "SELECT count(*) FROM text_reviews WHERE status = 'PENDING'")
            rows = await conn.fetch(
                "SELECT r.id, r.user_id, r.received_at, m.body, r.intent, r.confidence "
                "FROM text_reviews r JOIN sms_messages m ON m.id = r.message_id "
                "WHERE r.status = 'PENDING' AND ($1::timestamptz IS NULL OR "
                "(r.received_at, r.id) > ($1, $2)) ORDER BY r.received_at, r.id LIMIT $3",
                after[0] if after else None, after[1] if after else 0, first + 1)
        reviews = [TextReview(r["id"], r["user_id"], r["received_at"], r["body"],
                              Intent(r["intent"]), r["confidence"]) for r in rows[:first]]
        return ReviewPage(reviews, len(rows) > first, total)

    async def resolve(self, review_id: int, decision: Intent, *, agent_id: uuid.UUID | None,
                      note: str | None, opt_out: bool, now: datetime
                      ) -> ResolvedReview | ReviewRejection:
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT r.status, r.user_id, m.from_number FROM text_reviews r JOIN "
                "sms_messages m ON m.id = r.message_id WHERE r.id = $1 FOR UPDATE OF r",
                review_id)
            if row is None:
                return ReviewRejection.UNKNOWN
            if row["status"] != "PENDING":
                return ReviewRejection.ALREADY_RESOLVED
            await conn.execute(
                "UPDATE text_reviews SET status = 'RESOLVED', decision = $2, decided_by = $3, "
                "decided_at = $4, note = $5 WHERE id = $1",
                review_id, decision.value, agent_id, now, note)
            first = opt_out and await MessagingTx(conn).opt_out(
                row["from_number"], row["user_id"], REVIEW_KEYWORD, now)
        return ResolvedReview(review_id, row["user_id"], row["from_number"], decision,
                              bool(first))
