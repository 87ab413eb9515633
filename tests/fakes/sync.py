"""The CDC worker's ports: replica lookups, applied records, the context cache, conversions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.sync.changes import RowChange
from domain.sync.ports import (
    AppliedRecords,
    ChangeLookupSource,
    ContextInvalidator,
    ConversionRecorder,
)
from domain.sync.routing import ConversionSeen, Lookups, row_id


class FakeChangeLookups(ChangeLookupSource):
    """The replica's rows as (table, id) -> updated_at; a row absent is not there (yet)."""

    def __init__(self) -> None:
        self.versions: dict[tuple[str, str], datetime | None] = {}
        self.claim_owners: dict[int, int] = {}

    async def for_changes(self, changes: Sequence[RowChange]) -> Lookups:
        named = {(c.table, row_id(c) or "") for c in changes}
        return Lookups({k: v for k, v in self.versions.items() if k in named},
                       dict(self.claim_owners))


class FakeAppliedRecords(AppliedRecords):
    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.marks: list[tuple[datetime | None, float | None, datetime]] = []

    async def already_seen(self, keys: Sequence[str]) -> set[str]:
        return self.keys & set(keys)

    async def mark_applied(self, keys: Sequence[str], newest_event: datetime | None,
                           lag_seconds: float | None, now: datetime) -> None:
        self.keys.update(keys)
        self.marks.append((newest_event, lag_seconds, now))


class FakeContextInvalidator(ContextInvalidator):
    def __init__(self) -> None:
        self.invalidated: list[set[int]] = []
        self.fail: Exception | None = None

    async def invalidate(self, user_ids: Iterable[int]) -> bool:
        if self.fail is not None:
            raise self.fail
        self.invalidated.append(set(user_ids))
        return True


class FakeConversionRecorder(ConversionRecorder):
    """Records each conversion once (by its dedupe key), as the conversions table does."""

    def __init__(self) -> None:
        self.recorded: dict[str, ConversionSeen] = {}

    async def __call__(self, seen: Sequence[ConversionSeen]) -> Sequence[object]:
        new = [s for s in seen if s.dedupe_key not in self.recorded]
        self.recorded.update({s.dedupe_key: s for s in new})
        return [{"user_id": s.user_id, "kind": s.kind.value} for s in new]
