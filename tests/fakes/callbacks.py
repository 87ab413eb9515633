"""Dispositions and callbacks in memory, with infrastructure.postgres.dispositions' rules.

What the adapter writes for the queues (call_scores, call_blocks, do_not_call, callbacks,
queue_dirty, the leased entry held off) lands in the queue stores' tables, where the
queue maintainer reads its dialler facts. A refused change writes nothing.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.access.rule import CallbackChanger
from domain.calls.callbacks import (
    CANCELLED,
    COMPLETED,
    PENDING,
    RESCHEDULED,
    PendingCallback,
    completed_by_call,
)
from domain.calls.disposition import DispositionEffects, InvalidDisposition, NotYourCallback
from domain.calls.outcomes import CallOutcome
from domain.queue.builder import RulesForUser
from domain.queue.facts import DiallerFacts, DueCallback
from domain.queue.leads import ENDED_BY_DISPOSITION, LeaseHold, why_not_held
from domain.queue.model import QueueType
from domain.queue.ports import CallbackStore
from tests.fakes.queue_stores import FakeQueueStores, QueueTables

FOREVER = datetime.max.replace(tzinfo=UTC)  # PostgreSQL's 'infinity'


@dataclass
class FakeLease:
    user_id: int
    queue_type: QueueType
    score: float
    hold: LeaseHold


class FakeCallbackStore(CallbackStore):
    """``calls``: each Twilio call sid's (agent, user), the calls a disposition may carry."""

    def __init__(self, queues: FakeQueueStores) -> None:
        self.queues = queues
        self.leases: dict[uuid.UUID, FakeLease] = {}
        self.callbacks: dict[int, dict] = {}  # callbacks rows by id
        self.dispositions: list[dict] = []
        self.calls: dict[str, tuple[uuid.UUID, int]] = {}
        self.call_outcomes: dict[str, CallOutcome] = {}

    def lease(self, user_id: int, agent_id: uuid.UUID, expires_at: datetime, *,
              queue_type: QueueType = QueueType.UNSIGNED, score: float = 50.0) -> uuid.UUID:
        """A lease handed to ``agent_id``: the id a disposition names."""
        lease_id = uuid.uuid4()
        self.leases[lease_id] = FakeLease(user_id, queue_type, score,
                                          LeaseHold(agent_id, expires_at))
        return lease_id

    def pending(self, user_id: int) -> list[dict]:
        return [r for _, r in sorted(self.callbacks.items())
                if r["user_id"] == user_id and r["status"] == PENDING]

    async def lease_user(self, lease_id: uuid.UUID) -> tuple[int, RulesForUser] | None:
        lease = self.leases.get(lease_id)
        return (lease.user_id, lambda _user: self.queues.choice) if lease else None

    async def record_disposition(self, *, lease_id: uuid.UUID, agent_id: uuid.UUID,
                                 effects: DispositionEffects, notes: str | None,
                                 call_sid: str | None, claims_fingerprint: str | None,
                                 now: datetime) -> int:
        lease = self.leases.get(lease_id)
        refusal = why_not_held(lease.hold if lease else None, agent_id, now)
        if refusal:
            raise InvalidDisposition(refusal)
        user_id = lease.user_id
        if call_sid and self.calls.get(call_sid) != (agent_id, user_id):
            raise InvalidDisposition(f"callSid {call_sid} is not a call of yours with this user")
        self.dispositions.append(dict(lease_id=lease_id, user_id=user_id, agent_id=agent_id,
                                      outcome=effects.outcome, notes=notes, call_sid=call_sid,
                                      next_call_after=effects.next_call_after, created_at=now))
        if call_sid:
            self.call_outcomes[call_sid] = effects.outcome
        tables = self.queues.tables
        self._score(tables, user_id, effects, claims_fingerprint, now)
        due = [PendingCallback(r["id"], r["scheduled_for"]) for r in self.pending(user_id)]
        for callback_id in completed_by_call(lease.queue_type, due, now):
            self.callbacks[callback_id].update(status=COMPLETED, updated_at=now)
        if effects.callback_at:
            self._book(user_id, effects.callback_at, agent_id, True, None, now)
        lease.hold = dataclasses.replace(lease.hold, ended_at=now,
                                         end_reason=ENDED_BY_DISPOSITION)
        self._hold_off(tables, lease, effects.next_call_after)
        self._changed(user_id, now)
        return user_id

    def _score(self, tables: QueueTables, user_id: int, effects: DispositionEffects,
               claims_fingerprint: str | None, now: datetime) -> None:
        """call_scores, call_blocks and do_not_call, as the queue store reads them back."""
        facts = tables.dialler.get(user_id, DiallerFacts(phone_dialable=True))
        phone_raw = tables.phones.get(user_id, (None, None))[0]
        tables.dialler[user_id] = dataclasses.replace(
            facts, last_outcome=effects.outcome, next_call_after=effects.next_call_after,
            failed_attempts=facts.failed_attempts + effects.failed_attempt,
            last_reached_at=now if effects.reached else facts.last_reached_at,
            do_not_call=facts.do_not_call or effects.do_not_call,
            wrong_number_phone=phone_raw if effects.block_wrong_number
            else facts.wrong_number_phone,
            no_claim_fingerprint=claims_fingerprint
            if effects.block_no_claim and claims_fingerprint else facts.no_claim_fingerprint)

    @staticmethod
    def _hold_off(tables: QueueTables, lease: FakeLease, next_call_after: datetime | None
                  ) -> None:
        """The leased entry stays out of reach until its recompute rewrites it."""
        entry = tables.entries.get(lease.user_id)
        if entry is not None:
            tables.entries[lease.user_id] = dataclasses.replace(
                entry, next_call_after=next_call_after or FOREVER,
                due_at=FOREVER if entry.queue_type is QueueType.CALLBACK else entry.due_at)

    def _book(self, user_id: int, at: datetime, agent_id: uuid.UUID | None, personal: bool,
              note: str | None, now: datetime) -> dict:
        for row in self.pending(user_id):
            row.update(status=RESCHEDULED, updated_at=now)
        row = dict(id=max(self.callbacks, default=0) + 1, user_id=user_id, scheduled_for=at,
                   status=PENDING, personal=personal, agent_id=agent_id, note=note,
                   created_at=now, updated_at=now)
        self.callbacks[row["id"]] = row
        return row

    def _changed(self, user_id: int, now: datetime) -> None:
        """The user's queue update is owed; the queue store sees their pending callback."""
        tables = self.queues.tables
        tables.dirty[user_id] = min(tables.dirty.get(user_id, now), now)
        pending = sorted(self.pending(user_id), key=lambda r: (r["scheduled_for"], r["id"]))
        callback = next((DueCallback(r["id"], r["scheduled_for"],
                                     r["agent_id"] if r["personal"] else None)
                         for r in pending), None)
        facts = tables.dialler.get(user_id, DiallerFacts(phone_dialable=True))
        tables.dialler[user_id] = dataclasses.replace(facts, callback=callback)

    @staticmethod
    def _check(changer: CallbackChanger, rows: list[dict]) -> None:
        for row in rows:
            if not changer.may_change(row["agent_id"], row["personal"]):
                raise NotYourCallback(row["id"])

    async def schedule_callback(self, user_id: int, at: datetime, changer: CallbackChanger,
                                personal: bool, note: str | None, now: datetime) -> dict:
        self._check(changer, self.pending(user_id))
        row = self._book(user_id, at, changer.agent_id, personal, note, now)
        self._changed(user_id, now)
        return dict(row)

    async def cancel_callback(self, callback_id: int, now: datetime,
                              changer: CallbackChanger) -> dict | None:
        row = self.callbacks.get(callback_id)
        if row is None:
            return None
        self._check(changer, [row])
        row.update(status=CANCELLED if row["status"] == PENDING else row["status"],
                   updated_at=now)
        self._changed(row["user_id"], now)
        return dict(row)

    async def callback_user(self, callback_id: int) -> int | None:
        row = self.callbacks.get(callback_id)
        return row["user_id"] if row else None
