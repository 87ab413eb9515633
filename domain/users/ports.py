"""What the do-not-call list and the user search need from storage."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Sequence
from datetime import datetime

from domain.users.do_not_call import DoNotCallEntry, DoNotCallPage, DoNotCallReason, NewEntry
from domain.users.search import SearchHit, SearchKeys, SearchQuery


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


class SearchIndex(abc.ABC):
    """The dialler's own copy of what users are found by; never the replica per query."""

    @abc.abstractmethod
    async def find(self, query: SearchQuery, first: int) -> list[SearchHit]:
        """At most ``first`` hits of each way the query is matched, best first."""

    @abc.abstractmethod
    async def keep(self, rows: Sequence[SearchKeys], gone: Sequence[int],
                   now: datetime) -> int:
        """These users' keys as given, and ``gone`` users forgotten: the rows it changed."""

    @abc.abstractmethod
    async def keep_range(self, low: int, high: int, rows: Sequence[SearchKeys],
                         now: datetime) -> int:
        """The users in ids low..high are exactly ``rows``: the rows it changed."""

    @abc.abstractmethod
    async def forget_outside(self, low: int | None, high: int | None) -> int:
        """Users outside low..high forgotten (all of them when the replica has none), and
        names no user has any more."""


class SearchSource(abc.ABC):
    """The replica's users as the search index keeps them."""

    @abc.abstractmethod
    async def for_users(self, user_ids: Sequence[int]) -> list[SearchKeys]:
        """The keys of those still on the replica."""

    @abc.abstractmethod
    async def for_range(self, low: int, high: int) -> list[SearchKeys]: ...

    @abc.abstractmethod
    async def id_bounds(self) -> tuple[int, int] | None: ...
