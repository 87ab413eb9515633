"""SMS messages and opt-outs in memory, with the PostgreSQL adapter's rules."""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.conversations.model import Classification, Intent
from domain.conversations.ports import TextReviews
from domain.conversations.reviews import (
    ResolvedReview,
    ReviewPage,
    ReviewRejection,
    ReviewStatus,
    TextReview,
)
from domain.messaging.model import Direction, Message, SmsStatus, advances
from domain.messaging.opt_out import OPT_OUT_REASON
from domain.messaging.ports import ContactState, MessagingStore, MessagingTransaction
from domain.users.phone import to_e164


@dataclass
class MessagingTables:
    messages: dict[int, dict] = field(default_factory=dict)  # sms_messages rows by id
    opt_outs: dict[str, int | None] = field(default_factory=dict)  # e164 -> user id
    do_not_call: dict[int, str] = field(default_factory=dict)  # user id -> reason
    phones: dict[int, str | None] = field(default_factory=dict)  # user_phones' e164
    leased_to: dict[int, uuid.UUID] = field(default_factory=dict)
    reached: dict[int, datetime] = field(default_factory=dict)  # last call that reached them
    dirty: set[int] = field(default_factory=set)
    receipts: set[str] = field(default_factory=set)  # webhook_receipts' keys
    follow_ups_sent: dict[int, int] = field(default_factory=dict)  # follow-up id -> message
    intents: dict[int, Classification] = field(default_factory=dict)  # message id -> reading
    reviews: dict[int, dict] = field(default_factory=dict)  # text_reviews rows by id
    next_id: int = 1


def _message(row: dict) -> Message:
    return Message(row["id"], row["user_id"], row["direction"], row["body"], row["status"],
                   row["created_at"], row["failure_reason"], row["agent_id"])


class FakeMessaging(MessagingStore):
    def __init__(self) -> None:
        self.tables = MessagingTables()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeMessagingTx]:
        """A working copy of the tables, kept only when the block ends cleanly."""
        working = copy.deepcopy(self.tables)
        yield FakeMessagingTx(working)
        self.tables = working

    def row(self, message_id: int) -> dict:
        return self.tables.messages[message_id]

    async def conversation(self, user_id: int, first: int,
                           before: tuple[datetime, int] | None
                           ) -> tuple[list[Message], bool, int]:
        rows = sorted((r for r in self.tables.messages.values() if r["user_id"] == user_id),
                      key=lambda r: (r["created_at"], r["id"]), reverse=True)
        older = [r for r in rows if before is None or (r["created_at"], r["id"]) < before]
        return [_message(r) for r in older[:first]], len(older) > first, len(rows)

    async def watchers(self, user_id: int) -> tuple[str, ...]:
        agents = {r["agent_id"] for r in self.tables.messages.values()
                  if r["user_id"] == user_id and r["agent_id"] is not None}
        if user_id in self.tables.leased_to:
            agents.add(self.tables.leased_to[user_id])
        return tuple(sorted(str(a) for a in agents))

    async def due_retries(self, now: datetime, limit: int = 200) -> list[int]:
        due = sorted((r["next_attempt_at"], r["id"]) for r in self.tables.messages.values()
                     if r["status"] is SmsStatus.FAILED and r["next_attempt_at"] is not None
                     and r["next_attempt_at"] <= now and r["sending_since"] is None)
        return [i for _, i in due[:limit]]

    async def fail_interrupted(self, older_than: datetime, now: datetime) -> list[Message]:
        failed = []
        for row in self.tables.messages.values():
            if (row["sending_since"] is not None and row["sending_since"] < older_than
                    and row["twilio_sid"] is None):
                row.update(status=SmsStatus.FAILED, sending_since=None, next_attempt_at=None,
                           failure_reason="interrupted while handing to Twilio; not retried, "
                                          "it may have been sent")
                failed.append(_message(row))
        return failed

    async def last_conversation(self, user_ids: Sequence[int]) -> dict[int, datetime]:
        latest = {u: at for u, at in self.tables.reached.items() if u in user_ids}
        for row in self.tables.messages.values():
            user_id = row["user_id"]
            if user_id in user_ids:
                latest[user_id] = max(latest.get(user_id, row["created_at"]), row["created_at"])
        return latest


class FakeMessagingTx(MessagingTransaction):
    def __init__(self, tables: MessagingTables) -> None:
        self.tables = tables

    async def first_receipt(self, key: str) -> bool:
        first = key not in self.tables.receipts
        self.tables.receipts.add(key)
        return first

    async def mark_follow_up_sent(self, follow_up_id: int, message_id: int,
                                  at: datetime) -> None:
        self.tables.follow_ups_sent[follow_up_id] = message_id

    def _insert(self, **values) -> dict:
        row = {"id": self.tables.next_id, "failure_reason": None, "agent_id": None,
               "to_number": None, "from_number": None, "automated": False,
               "follow_up_id": None, "attempts": 0, "sending_since": None,
               "next_attempt_at": None, "twilio_sid": None, **values}
        self.tables.messages[row["id"]] = row
        self.tables.next_id += 1
        return row

    async def contact_state(self, user_id: int, phone_raw: str | None) -> ContactState:
        e164 = self.tables.phones[user_id] = to_e164(phone_raw)
        opted_out = user_id in self.tables.opt_outs.values() or (
            e164 is not None and e164 in self.tables.opt_outs)
        under_review = any(r["user_id"] == user_id and r["status"] is ReviewStatus.PENDING
                           for r in self.tables.reviews.values())
        return ContactState(e164, opted_out, user_id in self.tables.do_not_call, under_review)

    async def is_blocked(self, user_id: int) -> bool:
        e164 = self.tables.phones.get(user_id)
        return (user_id in self.tables.opt_outs.values() or e164 in self.tables.opt_outs
                or user_id in self.tables.do_not_call)

    async def queue_outbound(self, *, user_id: int, to: str, body: str,
                             agent_id: uuid.UUID | None, automated: bool,
                             follow_up_id: int | None, now: datetime) -> Message:
        return _message(self._insert(
            user_id=user_id, direction=Direction.OUTBOUND, body=body, status=SmsStatus.QUEUED,
            to_number=to, agent_id=agent_id, automated=automated, follow_up_id=follow_up_id,
            created_at=now))

    async def claim_for_send(self, message_id: int, now: datetime) -> dict | None:
        row = self.tables.messages.get(message_id)
        if row is None or row["sending_since"] is not None or row["twilio_sid"] is not None:
            return None
        first = row["status"] is SmsStatus.QUEUED and row["attempts"] == 0
        again = (row["status"] is SmsStatus.FAILED and row["next_attempt_at"] is not None
                 and row["next_attempt_at"] <= now)
        if not (first or again):
            return None
        row.update(sending_since=now, attempts=row["attempts"] + 1, next_attempt_at=None)
        return dict(row)

    async def set_body(self, message_id: int, body: str) -> None:
        self.tables.messages[message_id]["body"] = body

    async def handed_over(self, message_id: int, sid: str, status: SmsStatus,
                          now: datetime) -> Message:
        row = self.tables.messages[message_id]
        keep = row["status"] is not SmsStatus.FAILED and not advances(row["status"], status)
        row.update(twilio_sid=sid, status=row["status"] if keep else status,
                   sending_since=None, failure_reason=None)
        return _message(row)

    async def send_failed(self, message_id: int, reason: str, retry_at: datetime | None,
                          now: datetime) -> Message:
        row = self.tables.messages[message_id]
        row.update(status=SmsStatus.FAILED, failure_reason=reason[:1000],
                   next_attempt_at=retry_at, sending_since=None)
        return _message(row)

    async def apply_status(self, *, message_id: int | None, sid: str | None,
                           status: SmsStatus, error: str | None, now: datetime
                           ) -> Message | None:
        outbound = [r for r in self.tables.messages.values()
                    if r["direction"] is Direction.OUTBOUND]
        row = next((r for r in outbound if r["id"] == message_id), None) or next(
            (r for r in outbound if sid is not None and r["twilio_sid"] == sid), None)
        if row is None or not advances(row["status"], status):
            return None
        row.update(status=status, failure_reason=error or row["failure_reason"],
                   twilio_sid=row["twilio_sid"] or sid)
        return _message(row)

    async def user_by_number(self, e164: str | None) -> int | None:
        if not e164:
            return None
        users = sorted(u for u, number in self.tables.phones.items() if number == e164)
        texted = [(r["created_at"], r["user_id"]) for r in self.tables.messages.values()
                  if r["user_id"] in users and r["to_number"] == e164]
        return max(texted)[1] if texted else (users[0] if users else None)

    async def store_inbound(self, *, user_id: int | None, from_number: str, to_number: str,
                            body: str, sid: str | None, now: datetime) -> Message | None:
        if sid is not None and any(r["twilio_sid"] == sid
                                   for r in self.tables.messages.values()):
            return None
        return _message(self._insert(
            user_id=user_id, direction=Direction.INBOUND, body=body, status=SmsStatus.RECEIVED,
            twilio_sid=sid, from_number=from_number, to_number=to_number, created_at=now))

    async def note_intent(self, message_id: int, classification: Classification) -> None:
        self.tables.intents[message_id] = classification

    async def note_action(self, message_id: int, action: str) -> None:
        self.tables.messages[message_id]["action"] = action

    async def open_review(self, message: Message, classification: Classification,
                          now: datetime) -> None:
        if any(r["message_id"] == message.id for r in self.tables.reviews.values()):
            return
        review_id = len(self.tables.reviews) + 1
        self.tables.reviews[review_id] = {
            "id": review_id, "message_id": message.id, "user_id": message.user_id,
            "received_at": message.created_at, "intent": classification.intent,
            "confidence": classification.confidence, "opt_out_chance": classification.opt_out,
            "status": ReviewStatus.PENDING, "decision": None, "decided_by": None, "note": None}

    async def store_reply(self, *, user_id: int | None, to: str, body: str,
                          now: datetime) -> Message:
        return _message(self._insert(
            user_id=user_id, direction=Direction.OUTBOUND, body=body, status=SmsStatus.SENT,
            to_number=to, automated=True, created_at=now))

    async def opt_out(self, e164: str, user_id: int | None, keyword: str,
                      now: datetime) -> bool:
        first = e164 not in self.tables.opt_outs
        self.tables.opt_outs.setdefault(e164, user_id)
        if user_id is not None:
            self.tables.do_not_call.setdefault(user_id, OPT_OUT_REASON)
            self.tables.dirty.add(user_id)
        return first

    async def opt_in(self, e164: str, user_id: int | None, now: datetime) -> bool:
        removed = [n for n, u in self.tables.opt_outs.items()
                   if n == e164 or (user_id is not None and u == user_id)]
        for number in removed:
            del self.tables.opt_outs[number]
        if user_id is not None:
            if self.tables.do_not_call.get(user_id) == OPT_OUT_REASON:
                del self.tables.do_not_call[user_id]
            self.tables.dirty.add(user_id)
        return bool(removed)


class FakeTextReviews(TextReviews):
    """The reviews FakeMessaging keeps, with PgTextReviews' rules."""

    def __init__(self, store: FakeMessaging) -> None:
        self.store = store

    async def pending(self, first: int, after: tuple[datetime, int] | None) -> ReviewPage:
        tables = self.store.tables
        rows = sorted((r for r in tables.reviews.values()
                       if r["status"] is ReviewStatus.PENDING),
                      key=lambda r: (r["received_at"], r["id"]))
        later = [r for r in rows if after is None or (r["received_at"], r["id"]) > after]
        reviews = [TextReview(r["id"], r["user_id"], r["received_at"],
                              tables.messages[r["message_id"]]["body"], r["intent"],
                              r["confidence"]) for r in later[:first]]
        return ReviewPage(reviews, len(later) > first, len(rows))

    async def resolve(self, review_id: int, decision: Intent, *, agent_id: uuid.UUID | None,
                      note: str | None, opt_out: bool, now: datetime
                      ) -> ResolvedReview | ReviewRejection:
        async with self.store.transaction() as tx:
            row = tx.tables.reviews.get(review_id)
            if row is None:
                return ReviewRejection.UNKNOWN
            if row["status"] is not ReviewStatus.PENDING:
                return ReviewRejection.ALREADY_RESOLVED
            row.update(status=ReviewStatus.RESOLVED, decision=decision, decided_by=agent_id,
                       note=note)
            number = tx.tables.messages[row["message_id"]]["from_number"]
            first = opt_out and await tx.opt_out(number, row["user_id"], "REVIEW", now)
        return ResolvedReview(review_id, row["user_id"], number, decision, bool(first))
