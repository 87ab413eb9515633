"""What the do-not-call list needs from storage."""

from __future__ import annotations

import abc
import uuid
from datetime import datetime

from domain.users.do_not_call import DoNotCallEntry, DoNotCallPage, DoNotCallReason, NewEntry


class DoNotCallList(abc.ABC):
    """Each change one transaction, with the blocked users' own rows and their queue
    updates owed in it."""

    @abc.abstractmethod
    async def page(self, *, first: int, after: int | None,
                   reason: DoNotCallReason | None) -> DoNotCallPage:
        """The entries on the list, newest first (``after``: an entry id)."""

    @abc.abstractmethod
    async def get(self, entry_id: int) -> DoNotCallEntry | None:
        """An entry on the list (None: no such entry, or removed)."""

    @abc.abstractmethod
    async def add(self, entry: NewEntry, by: uuid.UUID | None,
                  now: datetime) -> tuple[DoNotCallEntry, list[int]]:
        """The entry (the same one when an equal entry is already on the list) and the
        users it blocks now."""

    @abc.abstractmethod
    async def remove(self, entry_id: int, note: str, by: uuid.UUID | None,
                     now: datetime) -> list[int] | None:
        """The users the entry blocked (they stay blocked while another entry covers
        them); None when it is no longer on the list."""
