"""The queue writers' ordering rule on in-memory ports: an older read never overwrites.

The fakes subclass the same ports as the PostgreSQL adapters and keep the same marks
(a sequence value per user or range, taken after each writer's replica read), so the
interleavings that matter can be forced exactly: a recompute that commits while a
rebuild is between its replica read and its write, and the other way round.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta

from domain.events import EventPublisher
from domain.queue.builder import ScoringChoice
from domain.queue.facts import DiallerFacts, ReplicaFacts
from domain.queue.model import QueueEntry, QueueType
from domain.queue.ports import Keys, QueueStore, QueueStores, RangeStore, ReplicaFactsSource
from domain.scoring.rules import default_rule_set
from service_layer.queues import QueueMaintainer

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
RULES = ScoringChoice(default_rule_set(), 1)


def facts(user_id: int, *, signed: bool = False, pending: int = 0) -> ReplicaFacts:
    return ReplicaFacts(user_id=user_id, phone_raw="07911 123456", date_of_birth=None,
                        status="active", is_enabled=True, signed=signed, post_code=None,
                        open_claims=(("Santander", NOW - timedelta(days=3)),),
                        claim_keys=((user_id * 10, "new"),), pending_requirements=pending)


class Replica(ReplicaFactsSource):
    """Facts by user; ``on_read`` runs after a read is taken, before it is returned."""

    def __init__(self, users: dict[int, ReplicaFacts]):
        self.users = users
        self.on_read: Callable | None = None

    async def id_bounds(self):
        return (min(self.users), max(self.users)) if self.users else None

    async def pending_by_user(self):
        return {u: f.pending_requirements for u, f in self.users.items()}

    async def for_keys(self, keys: Keys, pending=None):
        wanted = keys.ids if keys.ids is not None else range(keys.low, keys.high + 1)
        read = {u: self.users[u] for u in wanted if u in self.users}
        hook, self.on_read = self.on_read, None
        if hook:
            await hook()
        return read


class Events(EventPublisher):
    def __init__(self):
        self.published = []

    async def publish(self, events):
        self.published += list(events)


class Tables:
    def __init__(self):
        self.entries: dict[int, QueueEntry] = {}
        self.marks: dict[int, int] = {}
        self.range_marks: dict[int, int] = {}
        self.seq = 0

    def next(self) -> int:
        self.seq += 1
        return self.seq


class Store(QueueStore):
    def __init__(self, tables: Tables, newer: set[int] = frozenset()):
        self.tables, self.newer = tables, set(newer)

    async def computed_since_start(self):
        return set(self.newer)

    async def rules(self):
        return lambda _user: RULES

    async def refresh_phones(self, phones):
        return {u: "+447911123456" for u in phones}

    async def dialler_facts(self, keys, phones, now):
        return {u: DiallerFacts(phone_dialable=True) for u in phones}

    async def current_entries(self, keys):
        inside = (lambda u: u in keys.ids) if keys.ids is not None \
            else (lambda u: keys.low <= u <= keys.high)
        return {u: e for u, e in self.tables.entries.items() if inside(u)}

    async def write_changes(self, before, after, changes):
        for user_id in before.keys() - after.keys():
            del self.tables.entries[user_id]
        self.tables.entries.update(after)
        return len(changes)


class RangeWrite(Store, RangeStore):
    def __init__(self, tables: Tables, keys: Keys, started: int, size: int):
        super().__init__(tables)
        self.keys, self.started, self.number = keys, started, keys.low // size

    async def superseded(self):
        return self.tables.range_marks.get(self.number, 0) > self.started

    async def computed_since_start(self):
        return {u for u, seq in self.tables.marks.items()
                if self.keys.low <= u <= self.keys.high and seq > self.started}


class Stores(QueueStores):
    """No locks are needed in one event loop; the marks are what is under test."""

    def __init__(self, range_size: int = 10):
        self.tables, self.range_size = Tables(), range_size

    async def begin(self):
        return self.tables.next()

    @contextlib.asynccontextmanager
    async def for_users(self, user_ids: Sequence[int], started: int, *,
                        fresh_facts: bool = True) -> AsyncIterator[Store]:
        t = self.tables
        newer = {u for u in user_ids if t.marks.get(u, 0) > started
                 or t.range_marks.get(u // self.range_size, 0) > started}
        yield Store(t, newer)
        seq = t.next()
        t.marks.update({u: seq for u in user_ids if u not in newer})

    @contextlib.asynccontextmanager
    async def for_range(self, keys: Keys, started: int) -> AsyncIterator[RangeWrite]:
        yield RangeWrite(self.tables, keys, started, self.range_size)
        self.tables.range_marks[keys.low // self.range_size] = self.tables.next()

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[Store]:
        yield Store(self.tables)

    async def ranges_with_entries(self):
        return sorted({u // self.range_size for u in self.tables.entries})

    async def due_for_rescore(self, now, limit):
        return []  # the writers' marks are under test here, not time

    async def rules(self):
        return lambda _user: RULES

    async def dirty_users(self, older_than, limit):
        return []


def maintainer(users: dict[int, ReplicaFacts]) -> tuple[QueueMaintainer, Replica, Stores]:
    replica, stores = Replica(users), Stores()
    return QueueMaintainer(replica, stores, Events(), lambda: NOW), replica, stores


def queue_of(stores: Stores, user_id: int) -> QueueType | None:
    entry = stores.tables.entries.get(user_id)
    return entry.queue_type if entry else None


async def test_a_rebuild_leaves_a_user_recomputed_after_it_read_them():
    queues, replica, stores = maintainer({1: facts(1), 2: facts(2)})
    await queues.rebuild()

    async def the_user_signs_meanwhile():
        replica.users[1] = facts(1, signed=True, pending=1)
        await queues.recompute([1], "cdc")

    replica.on_read = the_user_signs_meanwhile  # the rebuild's read of users 1 and 2
    report = await queues.rebuild()
    assert queue_of(stores, 1) is QueueType.OUTSTANDING_REQUESTS  # not the rebuild's stale read
    assert report.users == 1 and report.changes == []


async def test_a_recompute_reads_again_when_a_rebuild_wrote_meanwhile():
    queues, replica, stores = maintainer({1: facts(1)})
    await queues.rebuild()

    async def a_rebuild_of_newer_facts_meanwhile():
        replica.users[1] = facts(1, signed=True, pending=2)
        await queues.rebuild()

    replica.on_read = a_rebuild_of_newer_facts_meanwhile  # the recompute's first read
    report = await queues.recompute([1], "disposition")
    assert queue_of(stores, 1) is QueueType.OUTSTANDING_REQUESTS
    assert report.entries[1].queue_type is QueueType.OUTSTANDING_REQUESTS


async def test_an_older_rebuild_does_not_overwrite_a_newer_one():
    queues, replica, stores = maintainer({1: facts(1)})

    async def a_newer_rebuild_finishes_first():
        replica.users[1] = facts(1, signed=True, pending=1)
        await queues.rebuild()

    replica.on_read = a_newer_rebuild_finishes_first
    report = await queues.rebuild()
    assert queue_of(stores, 1) is QueueType.OUTSTANDING_REQUESTS
    assert report.changes == []


async def test_without_interleaving_a_rebuild_and_recomputes_agree():
    users = {u: facts(u, signed=u % 3 == 0, pending=u % 2) for u in range(1, 40)}
    queues, replica, stores = maintainer(users)
    await queues.rebuild()
    built = dict(stores.tables.entries)
    for user_id in users:
        replica.users[user_id] = facts(user_id, signed=user_id % 3 != 0, pending=1)
    await queues.recompute(list(users), "cdc")
    recomputed = dict(stores.tables.entries)
    assert recomputed != built
    assert (await queues.rebuild()).changes == []
    assert stores.tables.entries == recomputed
