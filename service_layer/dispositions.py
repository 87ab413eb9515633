"""Use cases after a call: record its disposition; schedule and cancel callbacks."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.access.rule import CallbackChanger
from domain.calls.disposition import (
    InvalidDisposition,
    check_call_sid,
    check_callback_note,
    check_callback_time,
    effects_of,
)
from domain.calls.events import CallbackBooked, DispositionMade
from domain.calls.outcomes import CallOutcome
from domain.queue.calling_window import CallingWindow
from domain.queue.model import MovementCause, QueueEntry, QueueType
from domain.queue.ports import CallbackStore, Keys, ReplicaFactsSource
from service_layer.messagebus import MessageBus
from service_layer.queues import QueueMaintainer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispositionRecorded:
    next_call_after: datetime | None
    queue_type: QueueType | None


@dataclass
class CallOutcomes:
    store: CallbackStore
    queues: QueueMaintainer
    replica: ReplicaFactsSource
    window: CallingWindow
    # Told of each committed outcome and booking (the follow-up SMS are its handlers).
    bus: MessageBus = field(default_factory=MessageBus)

    async def record(self, *, agent_id: uuid.UUID, lease_id: uuid.UUID, outcome: CallOutcome,
                     notes: str | None, callback_at: datetime | None, call_sid: str | None,
                     now: datetime) -> DispositionRecorded:
        """Raises InvalidDisposition (nothing changed) when the rules refuse it."""
        check_call_sid(call_sid)
        subject = await self.store.lease_user(lease_id)
        if subject is None:
            raise InvalidDisposition("no such assignment of yours")
        user_id, rules_for = subject
        choice = rules_for(user_id)
        effects = effects_of(outcome, notes, callback_at, now, self.window,
                             choice.rules.cooldowns)
        fingerprint = None
        if effects.block_no_claim:
            facts = (await self.replica.for_keys(Keys(ids=[user_id]))).get(user_id)
            fingerprint = facts.claims_fingerprint if facts else None
        await self.store.record_disposition(
            lease_id=lease_id, agent_id=agent_id, effects=effects, notes=notes,
            call_sid=call_sid, claims_fingerprint=fingerprint, now=now)
        # Recorded: from here on nothing may fail the call (the queue update is owed and
        # swept up by the timers if it cannot happen now).
        entry = await self._update_queue(user_id, f"disposition {outcome.value}",
                                         MovementCause.DISPOSITION)
        await self.bus.handle([DispositionMade(user_id, outcome, effects.callback_at, now)])
        return DispositionRecorded(
            entry.next_call_after if entry else effects.next_call_after,
            entry.queue_type if entry else None)

    async def _update_queue(self, user_id: int, reason: str,
                            trigger: MovementCause | None = None) -> QueueEntry | None:
        """The user's queue entry after a committed change (None: in no queue, or the
        update must wait for the catch-up sweep)."""
        try:
            return (await self.queues.recompute([user_id], reason, trigger)
                    ).entries.get(user_id)
        except Exception:  # noqa: BLE001 - the change is committed and marked as owed
            log.warning("queue update deferred to the catch-up sweep (%s, user %s)", reason,
                        user_id, exc_info=True)
            return None

    async def schedule(self, *, user_id: int, at: datetime, changer: CallbackChanger,
                       personal: bool, note: str | None, now: datetime) -> dict:
        """Raises InvalidDisposition, or NotYourCallback when it would move another agent's
        personal callback; either way nothing changed."""
        check_callback_time(at, now, self.window)
        check_callback_note(note)
        if not (await self.replica.for_keys(Keys(ids=[user_id]))):
            raise InvalidDisposition(f"there is no user {user_id}")
        callback = await self.store.schedule_callback(user_id, at, changer, personal, note, now)
        await self._update_queue(user_id, "callback scheduled")
        await self.bus.handle([CallbackBooked(user_id, at, now)])
        return callback

    async def callback_user(self, callback_id: int) -> int | None:
        return await self.store.callback_user(callback_id)

    async def cancel(self, *, callback_id: int, now: datetime,
                     changer: CallbackChanger) -> dict | None:
        """None: no such callback; NotYourCallback (nothing changed) when not theirs."""
        callback = await self.store.cancel_callback(callback_id, now, changer)
        if callback:
            await self._update_queue(callback["user_id"], "callback cancelled")
        return callback
