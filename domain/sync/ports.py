"""What applying CDC changes needs from the outside world."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from domain.sync.changes import RowChange
from domain.sync.reconcile import ReconcileState
from domain.sync.routing import ConversionSeen, Lookups


class ChangeLookupSource(Protocol):
    async def for_changes(self, changes: Sequence[RowChange]) -> Lookups: ...


class AppliedRecords(Protocol):
    async def already_seen(self, keys: Sequence[str]) -> set[str]: ...

    async def mark_applied(self, keys: Sequence[str], newest_event: datetime | None,
                           lag_seconds: float | None, now: datetime) -> None: ...


class DeadLetters(Protocol):
    async def record_dead_letter(self, message_id: str, body: str, reason: str) -> None: ...


class ContextInvalidator(Protocol):
    async def invalidate(self, user_ids: Iterable[int]) -> bool: ...


class ConversionRecorder(Protocol):
    async def __call__(self, seen: Sequence[ConversionSeen]) -> Sequence[object]: ...


class JobRunStore(abc.ABC):
    """The scheduled jobs' runs and the lease that lets one process run a job at a time."""

    @abc.abstractmethod
    def held(self, name: str) -> AbstractAsyncContextManager[bool]:
        """True for the block when this process holds ``name``, False when another does."""

    @abc.abstractmethod
    async def last_reconcile_done(self) -> datetime | None:
        """When the last reconciliation that finished started."""

    @abc.abstractmethod
    async def reconcile_state(self) -> ReconcileState:
        """The watermark of the last finished reconciliation, and when the last finished
        full one started."""

    @abc.abstractmethod
    async def last_started(self, job: str) -> datetime | None: ...

    @abc.abstractmethod
    async def start(self, job: str, at: datetime) -> int:
        """A RUNNING run; its id."""

    @abc.abstractmethod
    async def finish(self, run_id: int, at: datetime, status: str, drift: int | None,
                     figures: dict | None, error: str | None) -> None: ...

    @abc.abstractmethod
    async def prune(self, cutoffs: Mapping[str, datetime]) -> dict[str, int]:
        """Deletes each table's rows older than its cutoff; rows removed per table."""

    @abc.abstractmethod
    async def mark_replayed(self, message_id: str, at: datetime) -> None:
        """A dead letter sent back to the main queue (once: a replayed one stays as it was)."""


class ReplicaCensus(abc.ABC):
    @abc.abstractmethod
    async def user_count(self) -> int:
        """How many users the replica holds."""


class ReplicaChanges(abc.ABC):
    """Which users' replica rows changed, by their ``updated_at``."""

    @abc.abstractmethod
    async def latest_change(self) -> datetime | None:
        """The latest ``updated_at`` of any row a user's queue facts come from."""

    @abc.abstractmethod
    async def changed_since(self, since: datetime) -> tuple[set[int], datetime | None]:
        """The users with a row changed at or after ``since``, and the latest change read
        (None: none)."""
