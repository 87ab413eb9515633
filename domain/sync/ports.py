"""What applying CDC changes needs from the outside world."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from domain.sync.changes import RowChange
from domain.sync.routing import ConversionSeen, Lookups


class ChangeLookupSource(Protocol):
    async def for_changes(self, changes: Sequence[RowChange]) -> Lookups: ...


class AppliedRecords(Protocol):
    async def already_seen(self, keys: Sequence[str]) -> set[str]: ...

    async def mark_applied(self, keys: Sequence[str], newest_event: datetime | None,
                           lag_seconds: float | None, now: datetime) -> None: ...


class ContextInvalidator(Protocol):
    async def invalidate(self, user_ids: Iterable[int]) -> bool: ...


class ConversionRecorder(Protocol):
    async def __call__(self, seen: Sequence[ConversionSeen]) -> Sequence[object]: ...
