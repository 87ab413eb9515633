"""Keeping the queues current: full rebuild and incremental recompute, one code path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.events import EventPublisher
from domain.queue.builder import RulesForUser, build_entries, rescored
from domain.queue.facts import ReplicaFacts
from domain.queue.model import QueueChanged, QueueEntry, diff
from domain.queue.ports import (
    Keys,
    QueueBusy,
    QueueStore,
    QueueStores,
    RangeStore,
    ReplicaFactsSource,
)

CHUNK = 500  # users per incremental transaction: bounds the locks one transaction takes
RESCORE_BATCH = 20_000  # entries one time-driven rescore takes at most (the rest next turn)
READS = 5  # replica reads of a user whose entry keeps being written by others meanwhile


@dataclass
class RefreshReport:
    users: int = 0
    written: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    changes: list[QueueChanged] = field(default_factory=list)
    # After an incremental recompute: each user's entry now (absent: in no queue).
    entries: dict[int, QueueEntry] = field(default_factory=dict)

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
    """Rebuilds and recomputes; writers of different users never wait for each other."""

    replica: ReplicaFactsSource
    stores: QueueStores
    events: EventPublisher
    clock: Callable[[], datetime]
    chunk: int = CHUNK

    async def rules(self) -> RulesForUser:
        return await self.stores.rules()

    async def rebuild(self, progress: Callable[[int], None] | None = None, *,
                      afresh: bool = False) -> RefreshReport:
        """Every user from current data, one range at a time; events for every difference.

        Each range is read from the replica without holding anything, then written in a
        short transaction that holds the range against incremental writers; users they
        recomputed after this rebuild began reading keep their newer entries. An entry
        whose facts, rules and time have not moved keeps its score (the same as scoring
        it again, domain.queue.builder.still_scored) unless ``afresh``, which scores every
        entry again and so repairs a score changed behind the dialler's back.
        """
        report = RefreshReport()
        started = await self.stores.begin()
        bounds = await self.replica.id_bounds()
        step = self.stores.range_size
        numbers = set(await self.stores.ranges_with_entries())
        if bounds:
            numbers.update(range(bounds[0] // step, bounds[1] // step + 1))
        pending = await self.replica.pending_by_user() if len(numbers) > 1 else None
        for number in sorted(numbers):
            keys = Keys(number * step, number * step + step - 1)
            facts = await self.replica.for_keys(keys, pending)
            async with self.stores.for_range(keys, started) as store:
                changes = await self._rebuild_range(store, keys, facts, report, afresh)
            await self.events.publish(changes)
            if progress:
                progress(_within(keys, bounds))
        return report

    async def _rebuild_range(self, store: RangeStore, keys: Keys,
                             facts: dict[int, ReplicaFacts], report: RefreshReport,
                             afresh: bool) -> list[QueueChanged]:
        if await store.superseded():
            return []
        return await self._refresh(store, keys, facts, self.clock(), "rebuild", report,
                                   leave=await store.computed_since_start(), afresh=afresh)

    async def recompute(self, user_ids: Sequence[int], reason: str) -> RefreshReport:
        """The same rules for just these users (CDC events, dispositions, callbacks).

        Raises QueueBusy when their entries stay held elsewhere; whatever committed
        before that is kept and published.
        """
        report = RefreshReport()
        ids = sorted(set(user_ids))
        for start in range(0, len(ids), self.chunk):
            await self._recompute_chunk(ids[start:start + self.chunk], reason, report)
        return report

    async def _recompute_chunk(self, ids: list[int], reason: str, report: RefreshReport
                               ) -> None:
        for _ in range(READS):
            started = await self.stores.begin()
            keys = Keys(ids=ids)
            facts = await self.replica.for_keys(keys)
            async with self.stores.for_users(ids, started) as store:
                newer = await store.computed_since_start()
                changes = await self._refresh(store, keys, facts, self.clock(), reason,
                                              report, leave=newer, keep=report.entries)
            await self.events.publish(changes)
            if not newer:
                return
            ids = sorted(newer)  # written meanwhile from facts we may not have: read again
        raise QueueBusy(f"{len(ids)} users' entries keep changing under this recompute")

    async def rescore_due(self, limit: int = RESCORE_BATCH) -> RefreshReport:
        """Scores again the entries whose score may have moved with time since they were
        written, from the facts each was scored from: no replica read, and what a rebuild
        now would give while those facts hold. Users another writer computed meanwhile
        are left to it."""
        report, now = RefreshReport(), self.clock()
        ids = await self.stores.due_for_rescore(now, limit)
        for start in range(0, len(ids), self.chunk):
            chunk = ids[start:start + self.chunk]
            started = await self.stores.begin()
            async with self.stores.for_users(chunk, started, fresh_facts=False) as store:
                newer = await store.computed_since_start()
                before = {u: e for u, e in (await store.current_entries(Keys(ids=chunk))
                                            ).items() if u not in newer}
                rules_for = await store.rules()
                after = {u: rescored(e, rules_for(u), now) for u, e in before.items()}
                changes = diff(before, after, "time", now)
                written = await store.write_changes(before, after, changes)
            report.add(len(before), written, {}, changes)
            await self.events.publish(changes)
        return report

    async def catch_up(self, older_than: datetime, limit: int = 1000) -> RefreshReport:
        """Recomputes users whose change committed but whose recompute did not."""
        users = await self.stores.dirty_users(older_than, limit)
        return await self.recompute(users, "catch-up after a delayed update")

    async def compare(self, user_ids: Sequence[int]) -> list[QueueChanged]:
        """What a recompute of these users would change, without changing anything."""
        ids = sorted(set(user_ids))
        if not ids:
            return []
        keys = Keys(ids=ids)
        facts = await self.replica.for_keys(keys)
        async with self.stores.reading() as store:
            *_, changes = await self._plan(store, keys, facts, self.clock(), "integrity check",
                                           afresh=True)  # a check trusts no stored score
        return changes

    async def _refresh(self, store: QueueStore, keys: Keys, facts: dict[int, ReplicaFacts],
                       now: datetime, reason: str, report: RefreshReport,
                       leave: set[int] = frozenset(), keep: dict | None = None,
                       afresh: bool = False) -> list[QueueChanged]:
        """Writes the difference; users in ``leave`` (computed by a newer writer) are
        neither read nor written."""
        facts = {u: f for u, f in facts.items() if u not in leave} if leave else facts
        before, after, excluded, changes = await self._plan(store, keys, facts, now, reason,
                                                            leave, afresh)
        written = await store.write_changes(before, after, changes)
        report.add(len(facts), written, excluded, changes)
        if keep is not None:
            keep.update(after)
        return changes

    async def _plan(self, store: QueueStore, keys: Keys, facts: dict[int, ReplicaFacts],
                    now: datetime, reason: str, leave: set[int] = frozenset(),
                    afresh: bool = False):
        phones = await store.refresh_phones({u: f.phone_raw for u, f in facts.items()})
        dialler = await store.dialler_facts(keys, phones, now)
        before = await store.current_entries(keys)
        for user_id in leave:
            before.pop(user_id, None)
        after, excluded = build_entries(facts, dialler, await store.rules(), now,
                                        None if afresh else before)
        return before, after, excluded, diff(before, after, reason, now)


def _within(keys: Keys, bounds: tuple[int, int] | None) -> int:
    """How many of the replica's id range a range covers (for a progress bar)."""
    if not bounds:
        return 0
    return max(0, min(keys.high, bounds[1]) - max(keys.low, bounds[0]) + 1)
