"""Keeping the queues current: full rebuild and incremental recompute, one code path."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.events import EventPublisher
from domain.queue.builder import RulesForUser, build_entries, rescored
from domain.queue.facts import ReplicaFacts
from domain.queue.inputs import kept_users, seen_now, to_build
from domain.queue.model import MovementCause, QueueChanged, QueueEntry, diff
from domain.queue.ports import (
    FactsRead,
    Keys,
    PendingCounts,
    QueueBusy,
    QueueStore,
    QueueStores,
    ReplicaFactsSource,
)

CHUNK = 500  # users per incremental transaction: bounds the locks one transaction takes
SPREAD_FROM_RANGES = 4  # fewer ranges than this are rebuilt in this process alone
READ_BY_ID_SHARE = 0.2  # above this share of a range to build, reading it whole is cheaper
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
    kept: int = 0  # by a rebuild: users whose inputs had not moved, kept unread
    processes: int = 1  # by a rebuild: the processes its ranges were spread over

    def merge(self, other: RefreshReport) -> None:
        """Another process's share of the same rebuild."""
        self.add(other.users, other.written, other.excluded, other.changes)
        self.kept += other.kept
        self.processes += other.processes

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


@dataclass(frozen=True, slots=True)
class RangePlan:
    """One range of a rebuild: what to build (``keys``, with their facts) and who is kept."""

    now: datetime  # the moment it was planned for
    keys: Keys
    read: FactsRead
    kept: set[int] = field(default_factory=set)
    dialler: dict[int, int] = field(default_factory=dict)  # dialler digests, when chosen
    gone: set[int] = field(default_factory=set)  # seen or queued before, absent from the replica


class RangeWorkers(abc.ABC):
    """Rebuilds some of a rebuild's ranges in other processes, each as
    QueueMaintainer.rebuild_ranges does here (the same code, with connections of its own)."""

    @abc.abstractmethod
    async def rebuild(self, numbers: list[int], range_size: int, started: int,
                      afresh: bool) -> RefreshReport: ...


@dataclass
class QueueMaintainer:
    """Rebuilds and recomputes; writers of different users never wait for each other."""

    replica: ReplicaFactsSource
    stores: QueueStores
    events: EventPublisher
    clock: Callable[[], datetime]
    chunk: int = CHUNK
    elsewhere: RangeWorkers | None = None  # where a rebuild of many ranges sends half

    async def rules(self) -> RulesForUser:
        return await self.stores.rules()

    async def rebuild(self, progress: Callable[[int], None] | None = None, *,
                      afresh: bool = False) -> RefreshReport:
        """Every user from current data, one range at a time; events for every difference.

        Each range is read from the replica without holding anything, then written in a
        short transaction that holds the range against incremental writers; users they
        recomputed after this rebuild began reading keep their newer entries. Users whose
        inputs have not moved since a rebuild built them are kept as they stand, unread
        (domain.queue.inputs); an entry whose facts, rules and time have not moved keeps
        its score (domain.queue.builder.still_scored). ``afresh`` does neither: every
        user is read and scored again, which repairs an entry changed behind the
        dialler's back.
        """
        started = await self.stores.begin()
        bounds = await self.replica.id_bounds()
        step = self.stores.range_size
        numbers = set(await self.stores.ranges_with_entries())
        if bounds:
            numbers.update(range(bounds[0] // step, bounds[1] // step + 1))
        ordered = sorted(numbers)
        if self.elsewhere is None or len(ordered) < SPREAD_FROM_RANGES:
            return await self.rebuild_ranges(ordered, started, afresh, progress, bounds)
        # Ranges are independent (each its own transaction and lock): the other half is
        # built at the same time by the same code in another process.
        half = len(ordered) // 2
        theirs = asyncio.ensure_future(
            self.elsewhere.rebuild(ordered[half:], step, started, afresh))
        try:
            report = await self.rebuild_ranges(ordered[:half], started, afresh, progress,
                                               bounds)
        finally:
            if not theirs.done():
                await asyncio.wait([theirs])
        report.merge(theirs.result())
        if progress:
            for number in ordered[half:]:
                progress(_within(Keys(number * step, number * step + step - 1), bounds))
        return report

    async def rebuild_ranges(self, numbers: Sequence[int], started: int, afresh: bool,
                             progress: Callable[[int], None] | None = None,
                             bounds: tuple[int, int] | None = None) -> RefreshReport:
        """rebuild's work on these ranges (numbers: id // range_size), for the rebuild
        that began at ``started``."""
        report = RefreshReport()
        step = self.stores.range_size
        pending = await self.replica.pending_counts()
        ranges = [Keys(n * step, n * step + step - 1) for n in numbers]
        # The next range is read while this one is written: the replica's work and the
        # row decoding overlap the phone checks and the writes.
        upcoming = self._planned(ranges[0], pending, afresh) if ranges else None
        try:
            for index, keys in enumerate(ranges):
                plan = await upcoming
                upcoming = (self._planned(ranges[index + 1], pending, afresh)
                            if index + 1 < len(ranges) else None)
                changes = await self._rebuild_range(keys, plan, started, report, afresh)
                await self.events.publish(changes)
                if progress:
                    progress(_within(keys, bounds))
        finally:
            if upcoming is not None:
                upcoming.cancel()
                await asyncio.gather(upcoming, return_exceptions=True)
        return report

    def _planned(self, keys: Keys, pending: PendingCounts, afresh: bool
                 ) -> asyncio.Task[RangePlan]:
        return asyncio.ensure_future(self._range_plan(keys, pending, self.clock(), afresh))

    async def _rebuild_range(self, keys: Keys, plan: RangePlan, started: int,
                             report: RefreshReport, afresh: bool) -> list[QueueChanged]:
        now = plan.now
        async with self.stores.for_range(keys, started) as store:
            if await store.superseded():
                return []
            leave = await store.computed_since_start()
            # Read before the facts it stands for: a change landing in between is seen as
            # a change by the next rebuild, never hidden by it.
            dialler = await store.dialler_digests(keys, now)
            late = {u for u in plan.kept if dialler.get(u, 0) != plan.dialler.get(u, 0)}
            if late - leave:
                await store.owe(sorted(late - leave), now)  # moved since we chose to skip
            after: dict[int, QueueEntry] = {}
            facts = {u: f for u, f in plan.read.facts.items() if u not in leave}
            changes = [] if plan.keys.ids == [] else await self._refresh(
                store, plan.keys, facts, now, "rebuild", report, leave=leave, keep=after,
                afresh=afresh)
            rules_for = await store.rules()
            built = {u: plan.read.digests[u] for u in facts}
            await store.keep_inputs(seen_now(built, dialler, after, rules_for, now),
                                    sorted(plan.gone - leave))
            kept = len(plan.kept - leave)
        report.kept += kept
        report.users += kept
        return changes

    async def _range_plan(self, keys: Keys, pending: PendingCounts, now: datetime,
                          afresh: bool) -> RangePlan:
        """Whom to build in a range and their facts: everyone, or only those whose inputs
        moved (read by id when they are few), the rest kept as they stand."""
        async with self.stores.reading() as store:
            seen = await store.inputs_seen(keys)
            whole = afresh or not seen
            if not whole:
                dialler = await store.dialler_digests(keys, now)
                unseen = await store.unseen_entries(keys)
                rules_for = await store.rules()
        if whole:
            read = await self.replica.read(keys, pending)
            return RangePlan(now, keys, read, gone=seen.keys() - read.facts.keys())
        digests = await self.replica.digests(keys, pending)
        kept = kept_users(digests, dialler, seen, rules_for, now)
        build = to_build(digests, seen, unseen, kept)
        gone = build - digests.keys()
        if len(build) > READ_BY_ID_SHARE * max(len(digests), 1):
            chosen = keys
        else:
            chosen = Keys(ids=sorted(build))
        read = await self.replica.read(chosen, pending) if build else FactsRead({}, {})
        return RangePlan(now, chosen, read, kept - read.facts.keys(), dialler, gone)

    async def recompute(self, user_ids: Sequence[int], reason: str,
                        trigger: MovementCause | None = None) -> RefreshReport:
        """The same rules for just these users (CDC events, dispositions, callbacks);
        ``trigger``: the cause of every move it makes, when the caller knows it.

        Raises QueueBusy when their entries stay held elsewhere; whatever committed
        before that is kept and published.
        """
        report = RefreshReport()
        ids = sorted(set(user_ids))
        for start in range(0, len(ids), self.chunk):
            await self._recompute_chunk(ids[start:start + self.chunk], reason, report,
                                        trigger)
        return report

    async def _recompute_chunk(self, ids: list[int], reason: str, report: RefreshReport,
                               trigger: MovementCause | None = None) -> None:
        for _ in range(READS):
            started = await self.stores.begin()
            keys = Keys(ids=ids)
            facts = await self.replica.for_keys(keys)
            async with self.stores.for_users(ids, started) as store:
                newer = await store.computed_since_start()
                changes = await self._refresh(store, keys, facts, self.clock(), reason,
                                              report, leave=newer, keep=report.entries,
                                              trigger=trigger)
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
                       afresh: bool = False,
                       trigger: MovementCause | None = None) -> list[QueueChanged]:
        """Writes the difference; users in ``leave`` (computed by a newer writer) are
        neither read nor written."""
        facts = {u: f for u, f in facts.items() if u not in leave} if leave else facts
        before, after, excluded, changes = await self._plan(store, keys, facts, now, reason,
                                                            leave, afresh, trigger)
        written = await store.write_changes(before, after, changes)
        report.add(len(facts), written, excluded, changes)
        if keep is not None:
            keep.update(after)
        return changes

    async def _plan(self, store: QueueStore, keys: Keys, facts: dict[int, ReplicaFacts],
                    now: datetime, reason: str, leave: set[int] = frozenset(),
                    afresh: bool = False, trigger: MovementCause | None = None):
        phones = await store.refresh_phones({u: f.phone_raw for u, f in facts.items()})
        dialler = await store.dialler_facts(keys, phones, now)
        before = await store.current_entries(keys)
        for user_id in leave:
            before.pop(user_id, None)
        built = build_entries(facts, dialler, await store.rules(), now,
                              None if afresh else before)
        return before, built.entries, built.excluded, diff(
            before, built.entries, reason, now, trigger=trigger,
            left_because=built.left_because)


def _within(keys: Keys, bounds: tuple[int, int] | None) -> int:
    """How many of the replica's id range a range covers (for a progress bar)."""
    if not bounds:
        return 0
    return max(0, min(keys.high, bounds[1]) - max(keys.low, bounds[0]) + 1)
