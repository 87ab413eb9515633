"""Supervisors keep the do-not-call list: a customer asked by e-mail, a complaint; the
queues follow each change at once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.queue.model import MovementCause
from domain.queue.ports import Keys, ReplicaFactsSource
from domain.users.do_not_call import (
    DoNotCallEntry,
    DoNotCallPage,
    DoNotCallReason,
    InvalidDoNotCall,
    check_new_entry,
    check_note,
    check_removal,
)
from domain.users.ports import DoNotCallList
from service_layer.queues import QueueMaintainer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DoNotCallDesk:
    entries: DoNotCallList
    replica: ReplicaFactsSource
    queues: QueueMaintainer
    clock: Callable[[], datetime]

    async def page(self, *, first: int, after: int | None,
                   reason: DoNotCallReason | None) -> DoNotCallPage:
        return await self.entries.page(first=first, after=after, reason=reason)

    async def add(self, *, user_id: int | None, phone_number: str | None,
                  reason: DoNotCallReason, note: str | None,
                  by: uuid.UUID) -> DoNotCallEntry:
        """InvalidDoNotCall (nothing changed) for a bad number, an unknown user, both or
        neither, or an SMS_STOP (only the customer's STOP makes one)."""
        entry = check_new_entry(user_id, phone_number, reason, note)
        if entry.user_id is not None and not await self.replica.for_keys(
                Keys(ids=[entry.user_id])):
            raise InvalidDoNotCall(f"there is no user {entry.user_id}")
        added, users = await self.entries.add(entry, by, self.clock())
        await self._follow(users, "do-not-call entry added")
        return added

    async def remove(self, entry_id: int, note: str, by: uuid.UUID) -> None:
        """InvalidDoNotCall (nothing changed) for no such entry, no note, or an SMS
        opt-out (only the customer's START lifts it)."""
        clean = check_note(note, required=True)
        check_removal(await self.entries.get(entry_id), entry_id)
        users = await self.entries.remove(entry_id, clean or "", by, self.clock())
        if users is None:  # removed meanwhile
            raise InvalidDoNotCall(f"there is no do-not-call entry {entry_id} on the list")
        await self._follow(users, "do-not-call entry removed")

    async def _follow(self, users: list[int], reason: str) -> None:
        try:
            await self.queues.recompute(users, reason, MovementCause.DO_NOT_CALL)
        except Exception:  # noqa: BLE001 - committed and owed: the catch-up sweep follows
            log.warning("queue update after a do-not-call change deferred (%d users)",
                        len(users), exc_info=True)
