"""SMS messages and opt-outs in PostgreSQL (asyncpg), one transaction per use.

Bodies arrive here already masked (no link token is ever kept): see service_layer.sms.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import asyncpg

from domain.conversations.model import Classification, Intent
from domain.messaging.model import Direction, Message, SmsStatus, advances
from domain.messaging.ports import ContactState, MessagingStore, MessagingTransaction
from domain.users.do_not_call import DoNotCallReason
from infrastructure.postgres.dispositions import mark_dirty
from infrastructure.postgres.do_not_call_sql import add_entry, remove_entries
from infrastructure.postgres.phones import refresh_phones
from infrastructure.postgres.webhook_receipts import first_receipt

_COLUMNS = ("id, user_id, direction, body, status, created_at, failure_reason, agent_id, "
            "intent, intent_confidence, action")


def to_message(row: asyncpg.Record) -> Message:
    return Message(row["id"], row["user_id"], Direction(row["direction"]), row["body"],
                   SmsStatus(row["status"]), row["created_at"], row["failure_reason"],
                   row["agent_id"], Intent(row["intent"]) if row["intent"] else None,
                   row["intent_confidence"], row["action"])


class PgMessaging(MessagingStore):
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[MessagingTx]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield MessagingTx(conn)

    async def conversation(self, user_id: int, first: int,
                           before: tuple[datetime, int] | None
                           ) -> tuple[list[Message], bool, int]:
        """The ``first`` messages before the cursor (newest first), whether older ones exist,
        and how many the conversation holds."""
        async with self.pool.acquire() as conn:
            total = await conn.fetchval("SELECT count(*) FROM sms_messages WHERE user_id = $1",
                                        user_id)
            rows = await conn.fetch(
                f"SELECT {_COLUMNS} FROM sms_messages WHERE user_id = $1 AND ($2::timestamptz "
                "IS NULL OR (created_at, id) < ($2, $3)) ORDER BY created_at DESC, id DESC "
                "LIMIT $4", user_id, before[0] if before else None, before[1] if before else 0,
                first + 1)
        return [to_message(r) for r in rows[:first]], len(rows) > first, total

    async def watchers(self, user_id: int) -> tuple[str, ...]:
        """Agents working on this user: holding their lease now, or who texted them."""
        rows = await self.pool.fetch(
            "SELECT leased_to AS agent FROM queue_entries WHERE user_id = $1 AND leased_to "
            "IS NOT NULL UNION SELECT DISTINCT agent_id FROM sms_messages WHERE user_id = $1 "
            "AND agent_id IS NOT NULL", user_id)
        return tuple(sorted(str(r["agent"]) for r in rows))

    async def due_retries(self, now: datetime, limit: int = 200) -> list[int]:
        rows = await self.pool.fetch(
            "SELECT id FROM sms_messages WHERE status = 'FAILED' AND next_attempt_at <= $1 "
            "AND sending_since IS NULL ORDER BY next_attempt_at LIMIT $2", now, limit)
        return [r["id"] for r in rows]

    async def fail_interrupted(self, older_than: datetime, now: datetime) -> list[Message]:
        """Hand-offs that never finished (a crash): we cannot know if Twilio took them."""
        rows = await self.pool.fetch(
            f"UPDATE sms_messages SET status = 'FAILED', sending_since = NULL, "
            "next_attempt_at = NULL, updated_at = $2, failure_reason = 'interrupted while "
            "handing to Twilio; not retried, it may have been sent' WHERE sending_since < $1 "
            f"AND twilio_sid IS NULL RETURNING {_COLUMNS}", older_than, now)
        return [to_message(r) for r in rows]

    async def last_conversation(self, user_ids: Sequence[int]) -> dict[int, datetime]:
        """Each user's latest SMS either way or reached call (a disposition reaching them)."""
        rows = await self.pool.fetch(
            "SELECT user_id, max(at) AS at FROM ("
            " SELECT user_id, max(created_at) AS at FROM sms_messages"
            "  WHERE user_id = ANY($1::bigint[]) GROUP BY user_id"
            " UNION ALL SELECT user_id, max(last_contact_at) FROM call_scores"
            "  WHERE user_id = ANY($1::bigint[]) GROUP BY user_id"
            " UNION ALL SELECT user_id, max(coalesce(answered_at, started_at)) FROM calls"
            "  WHERE user_id = ANY($1::bigint[]) AND answered_at IS NOT NULL GROUP BY user_id"
            ") t WHERE at IS NOT NULL GROUP BY user_id", list(user_ids))
        return {r["user_id"]: r["at"] for r in rows}


class MessagingTx(MessagingTransaction):
    """The messaging tables inside one open transaction."""

    def __init__(self, conn: asyncpg.Connection):
        self.conn = conn

    async def first_receipt(self, key: str) -> bool:
        return await first_receipt(self.conn, key)

    async def mark_follow_up_sent(self, follow_up_id: int, message_id: int,
                                  at: datetime) -> None:
        await self.conn.execute(
            "UPDATE sms_follow_ups SET status = 'SENT', message_id = $2, updated_at = $3 "
            "WHERE id = $1", follow_up_id, message_id, at)

    async def contact_state(self, user_id: int, phone_raw: str | None) -> ContactState:
        e164 = (await refresh_phones(self.conn, {user_id: phone_raw}))[user_id]
        row = await self.conn.fetchrow(
            "SELECT EXISTS (SELECT 1 FROM sms_opt_outs WHERE user_id = $1 OR e164 = $2) AS o, "
            "EXISTS (SELECT 1 FROM do_not_call WHERE user_id = $1) AS d, "
            "EXISTS (SELECT 1 FROM text_reviews WHERE user_id = $1 AND status = 'PENDING') "
            "AS r", user_id, e164)
        return ContactState(e164, row["o"], row["d"], row["r"])

    async def is_blocked(self, user_id: int) -> bool:
        """Opted out by SMS or on the do-not-call list (the number is not re-read)."""
        return bool(await self.conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.user_id = $1 OR o.e164 = "
            "(SELECT e164 FROM user_phones WHERE user_id = $1)) OR EXISTS (SELECT 1 FROM "
            "do_not_call WHERE user_id = $1)", user_id))

    async def queue_outbound(self, *, user_id: int, to: str, body: str,
                             agent_id: uuid.UUID | None, automated: bool,
                             follow_up_id: int | None, now: datetime) -> Message:
        row = await self.conn.fetchrow(
            "INSERT INTO sms_messages (user_id, direction, body, status, to_number, agent_id, "
            "automated, follow_up_id, created_at, updated_at) VALUES "
            f"($1, 'OUTBOUND', $2, 'QUEUED', $3, $4, $5, $6, $7, $7) RETURNING {_COLUMNS}",
            user_id, body, to, agent_id, automated, follow_up_id, now)
        return to_message(row)

    async def claim_for_send(self, message_id: int, now: datetime) -> asyncpg.Record | None:
        """Marks the hand-off as ours (committed before Twilio is called); None: not ours."""
        return await self.conn.fetchrow(
            "UPDATE sms_messages SET sending_since = $2, attempts = attempts + 1, "
            "next_attempt_at = NULL, updated_at = $2 WHERE id = $1 AND sending_since IS NULL "
            "AND twilio_sid IS NULL AND ((status = 'QUEUED' AND attempts = 0) OR "
            "(status = 'FAILED' AND next_attempt_at <= $2)) RETURNING *", message_id, now)

    async def set_body(self, message_id: int, body: str) -> None:
        """The kept body of a message sent again: it names the links it carries now."""
        await self.conn.execute("UPDATE sms_messages SET body = $2 WHERE id = $1",
                                message_id, body)

    async def handed_over(self, message_id: int, sid: str, status: SmsStatus,
                          now: datetime) -> Message:
        current = await self.conn.fetchval(
            "SELECT status FROM sms_messages WHERE id = $1 FOR UPDATE", message_id)
        # A status callback may already have moved it on (it finds the row by our id).
        keep = current not in ("FAILED",) and not advances(SmsStatus(current), status)
        row = await self.conn.fetchrow(
            "UPDATE sms_messages SET twilio_sid = $2, status = $3, sending_since = NULL, "
            f"failure_reason = NULL, updated_at = $4 WHERE id = $1 RETURNING {_COLUMNS}",
            message_id, sid, current if keep else status.value, now)
        return to_message(row)

    async def send_failed(self, message_id: int, reason: str, retry_at: datetime | None,
                          now: datetime) -> Message:
        row = await self.conn.fetchrow(
            "UPDATE sms_messages SET status = 'FAILED', failure_reason = $2, "
            "next_attempt_at = $3, sending_since = NULL, updated_at = $4 WHERE id = $1 "
            f"RETURNING {_COLUMNS}", message_id, reason[:1000], retry_at, now)
        return to_message(row)

    async def apply_status(self, *, message_id: int | None, sid: str | None,
                           status: SmsStatus, error: str | None, now: datetime
                           ) -> Message | None:
        """The message moved forward, or None (unknown, or the report is stale)."""
        row = await self.conn.fetchrow(
            "SELECT id, status FROM sms_messages WHERE direction = 'OUTBOUND' AND "
            "(id = $1 OR twilio_sid = $2) ORDER BY (id = $1) DESC LIMIT 1 FOR UPDATE",
            message_id, sid)
        if row is None or not advances(SmsStatus(row["status"]), status):
            return None
        updated = await self.conn.fetchrow(
            "UPDATE sms_messages SET status = $2, failure_reason = coalesce($3, "
            "failure_reason), twilio_sid = coalesce(twilio_sid, $4), updated_at = $5 "
            f"WHERE id = $1 RETURNING {_COLUMNS}", row["id"], status.value, error, sid, now)
        return to_message(updated)

    async def user_by_number(self, e164: str | None) -> int | None:
        """The user with this number: the one we last messaged there, else the lowest id."""
        if not e164:
            return None
        return await self.conn.fetchval(
            "SELECT p.user_id FROM user_phones p LEFT JOIN LATERAL (SELECT max(created_at) AS "
            "at FROM sms_messages m WHERE m.user_id = p.user_id AND m.to_number = p.e164) m "
            "ON true WHERE p.e164 = $1 ORDER BY m.at DESC NULLS LAST, p.user_id LIMIT 1", e164)

    async def store_inbound(self, *, user_id: int | None, from_number: str, to_number: str,
                            body: str, sid: str | None, now: datetime) -> Message | None:
        """None when this Twilio message was stored before."""
        row = await self.conn.fetchrow(
            "INSERT INTO sms_messages (user_id, direction, body, status, twilio_sid, "
            "from_number, to_number, created_at, updated_at) VALUES "
            "($1, 'INBOUND', $2, 'RECEIVED', $3, $4, $5, $6, $6) "
            f"ON CONFLICT (twilio_sid) DO NOTHING RETURNING {_COLUMNS}",
            user_id, body, sid, from_number, to_number, now)
        return to_message(row) if row else None

    async def note_intent(self, message_id: int, classification: Classification) -> None:
        c = classification
        await self.conn.execute(
            "UPDATE sms_messages SET intent = $2, intent_confidence = $3, intent_source = $4 "
            "WHERE id = $1", message_id, c.intent.value, c.confidence, c.source.value)

    async def note_action(self, message_id: int, action: str) -> None:
        await self.conn.execute("UPDATE sms_messages SET action = $2 WHERE id = $1",
                                message_id, action)

    async def open_review(self, message: Message, classification: Classification,
                          now: datetime) -> None:
        c = classification
        await self.conn.execute(
            "INSERT INTO text_reviews (message_id, user_id, received_at, intent, confidence, "
            "opt_out_chance, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', "
            "$7) ON CONFLICT (message_id) DO NOTHING", message.id, message.user_id,
            message.created_at, c.intent.value, c.confidence, c.opt_out, now)

    async def store_reply(self, *, user_id: int | None, to: str, body: str,
                          now: datetime) -> Message:
        """Our TwiML answer to an inbound message: Twilio sends it, no hand-off of ours."""
        row = await self.conn.fetchrow(
            "INSERT INTO sms_messages (user_id, direction, body, status, to_number, automated, "
            "created_at, updated_at) VALUES ($1, 'OUTBOUND', $2, 'SENT', $3, true, $4, $4) "
            f"RETURNING {_COLUMNS}", user_id, body, to, now)
        return to_message(row)

    async def opt_out(self, e164: str, user_id: int | None, keyword: str,
                      now: datetime) -> bool:
        """True the first time this number opts out (the only time it is acknowledged)."""
        first = await self.conn.fetchval(
            "INSERT INTO sms_opt_outs (e164, user_id, keyword, opted_out_at) VALUES "
            "($1, $2, $3, $4) ON CONFLICT (e164) DO NOTHING RETURNING true",
            e164, user_id, keyword, now)
        # The customer's STOP: their own entry, or the number's when no user has it.
        _, blocked = await add_entry(self.conn, user_id=user_id,
                                     e164=None if user_id is not None else e164,
                                     reason=DoNotCallReason.SMS_STOP, note=None, by=None,
                                     now=now)
        await mark_dirty(self.conn, blocked, now)
        await self.conn.execute(
            "UPDATE sms_follow_ups SET status = 'CANCELLED', skip_reason = 'OPTED_OUT', "
            "updated_at = $2 WHERE user_id = $1 AND status = 'PENDING'", user_id, now)
        return bool(first)

    async def opt_in(self, e164: str, user_id: int | None, now: datetime) -> bool:
        """Lifts this number's opt-out and only the do-not-call entry it caused."""
        removed = await self.conn.fetch(
            "DELETE FROM sms_opt_outs WHERE e164 = $1 OR (user_id = $2) RETURNING e164",
            e164, user_id)
        # Only the entries a STOP made: any other reason the user is on the list stands.
        _, lifted = await remove_entries(
            self.conn, "reason = 'SMS_STOP' AND (user_id = $1 OR e164 = $2)", [user_id, e164],
            note="the customer texted START", by=None, now=now)
        await mark_dirty(self.conn, sorted({*lifted, *([user_id] if user_id else [])}), now)
        return bool(removed)
