"""Keeping the queues current: full rebuild and incremental recompute, one code path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.events import EventPublisher
from domain.queue.builder import RulesForUser, build_entries
from domain.queue.model import QueueChanged, diff
from domain.queue.ports import Keys, QueueStore, QueueStores, ReplicaFactsSource

RANGE = 50_000  # user ids per rebuild step: bounds memory at any scale
_BEYOND = 2**62


@dataclass
class RefreshReport:
    users: int = 0
    written: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    changes: list[QueueChanged] = field(default_factory=list)

    def add(self, users: int, written: int, excluded: dict[str, int],
            changes: list[QueueChanged]) -> None:
        self.users += users
        self.written += written
        self.changes += changes
        for reason, count in excluded.items():
            self.excluded[reason] = self.excluded.get(reason, 0) + count

    @property
    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
        return counts


@dataclass
class QueueMaintainer:
    replica: ReplicaFactsSource
    stores: QueueStores
    events: EventPublisher
    rules: Callable[[], Awaitable[RulesForUser]]
    clock: Callable[[], datetime]
    range_size: int = RANGE

    async def rebuild(self, progress: Callable[[int], None] | None = None) -> RefreshReport:
        """Every user from current data, in one transaction; events for every difference."""
        report, now, rules_for = RefreshReport(), self.clock(), await self.rules()
        async with self.stores.transaction() as store:
            bounds = await self.replica.id_bounds()
            low, high = bounds or (1, 0)
            step = self.range_size
            pending = await self.replica.pending_by_user() if high - low >= step else None
            for start in range(low, high + 1, step):
                keys = Keys(start, min(start + step - 1, high))
                await self._refresh(store, keys, rules_for, now, "rebuild", report, pending)
                if progress:
                    progress(keys.high - keys.low + 1)
            # Entries of users the replica no longer has, below or above its id range.
            for keys in (Keys(-_BEYOND, low - 1), Keys(high + 1, _BEYOND)):
                await self._refresh(store, keys, rules_for, now, "rebuild", report)
        await self.events.publish(report.changes)
        return report

    async def recompute(self, user_ids: Sequence[int], reason: str) -> RefreshReport:
        """The same rules for just these users (CDC events, dispositions, callbacks)."""
        report = RefreshReport()
        ids = sorted(set(user_ids))
        if not ids:
            return report
        async with self.stores.transaction() as store:
            await self._refresh(store, Keys(ids=ids), await self.rules(), self.clock(), reason,
                                report)
        await self.events.publish(report.changes)
        return report

    async def compare(self, user_ids: Sequence[int]) -> list[QueueChanged]:
        """What a recompute of these users would change, without changing anything."""
        ids = sorted(set(user_ids))
        if not ids:
            return []
        async with self.stores.transaction() as store:
            *_, changes = await self._plan(store, Keys(ids=ids), await self.rules(),
                                           self.clock(), "integrity check", None)
        return changes

    async def _refresh(self, store: QueueStore, keys: Keys, rules_for: RulesForUser,
                       now: datetime, reason: str, report: RefreshReport,
                       pending: dict[int, int] | None = None) -> None:
        replica, before, after, excluded, changes = await self._plan(
            store, keys, rules_for, now, reason, pending)
        written = await store.write_changes(before, after, changes)
        report.add(len(replica), written, excluded, changes)

    async def _plan(self, store: QueueStore, keys: Keys, rules_for: RulesForUser,
                    now: datetime, reason: str, pending: dict[int, int] | None):
        empty = keys.low is not None and keys.low > keys.high
        replica = {} if empty else await self.replica.for_keys(keys, pending)
        phones = await store.refresh_phones({u: f.phone_raw for u, f in replica.items()})
        dialler = await store.dialler_facts(keys, phones, now)
        before = await store.current_entries(keys)
        after, excluded = build_entries(replica, dialler, rules_for, now)
        return replica, before, after, excluded, diff(before, after, reason, now)
