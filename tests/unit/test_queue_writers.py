"""The queue writers' ordering rule on in-memory ports: an older read never overwrites.

The fakes subclass the same ports as the PostgreSQL adapters and keep the same marks
(a sequence value per user or range, taken after each writer's replica read), so the
interleavings that matter can be forced exactly: a recompute that commits while a
rebuild is between its replica read and its write, and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from domain.queue.builder import ScoringChoice
from domain.queue.facts import ReplicaFacts
from domain.queue.model import QueueType
from domain.scoring.rules import default_rule_set
from service_layer.queues import QueueMaintainer
from tests.fakes.events import FakeEventPublisher
from tests.fakes.queue_stores import FakeQueueStores
from tests.fakes.replica import FakeReplica

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
RULES = ScoringChoice(default_rule_set(), 1)


def facts(user_id: int, *, signed: bool = False, pending: int = 0) -> ReplicaFacts:
    return ReplicaFacts(user_id=user_id, phone_raw="07911 123456", date_of_birth=None,
                        status="active", is_enabled=True, signed=signed, post_code=None,
                        open_claims=(("Santander", NOW - timedelta(days=3)),),
                        claim_keys=((user_id * 10, "new"),), pending_requirements=pending)


class Replica(FakeReplica):
    """``on_read`` runs once, after the next read is taken and before it is returned."""

    def __init__(self, users: dict[int, ReplicaFacts]):
        super().__init__(*users.values())
        self.on_read: Callable | None = None

    async def read(self, keys, pending=None):
        found = await super().read(keys, pending)
        await self._hook()
        return found

    async def digests(self, keys, pending):
        found = await super().digests(keys, pending)
        await self._hook()
        return found

    async def _hook(self) -> None:
        hook, self.on_read = self.on_read, None
        if hook:
            await hook()


def maintainer(users: dict[int, ReplicaFacts]
               ) -> tuple[QueueMaintainer, Replica, FakeQueueStores]:
    replica, stores = Replica(users), FakeQueueStores(range_size=10, choice=RULES)
    return QueueMaintainer(replica, stores, FakeEventPublisher(), lambda: NOW), replica, stores


def queue_of(stores: FakeQueueStores, user_id: int) -> QueueType | None:
    entry = stores.tables.entries.get(user_id)
    return entry.queue_type if entry else None


async def test_a_rebuild_leaves_a_user_recomputed_after_it_read_them():
    queues, replica, stores = maintainer({1: facts(1), 2: facts(2)})
    await queues.rebuild()

    async def the_user_signs_meanwhile():
        replica.facts[1] = facts(1, signed=True, pending=1)
        await queues.recompute([1], "cdc")

    replica.on_read = the_user_signs_meanwhile  # the rebuild's read of users 1 and 2
    report = await queues.rebuild()
    assert queue_of(stores, 1) is QueueType.OUTSTANDING_REQUESTS  # not the rebuild's stale read
    assert report.users == 1 and report.changes == []


async def test_a_recompute_reads_again_when_a_rebuild_wrote_meanwhile():
    queues, replica, stores = maintainer({1: facts(1)})
    await queues.rebuild()

    async def a_rebuild_of_newer_facts_meanwhile():
        replica.facts[1] = facts(1, signed=True, pending=2)
        await queues.rebuild()

    replica.on_read = a_rebuild_of_newer_facts_meanwhile  # the recompute's first read
    report = await queues.recompute([1], "disposition")
    assert queue_of(stores, 1) is QueueType.OUTSTANDING_REQUESTS
    assert report.entries[1].queue_type is QueueType.OUTSTANDING_REQUESTS


async def test_an_older_rebuild_does_not_overwrite_a_newer_one():
    queues, replica, stores = maintainer({1: facts(1)})

    async def a_newer_rebuild_finishes_first():
        replica.facts[1] = facts(1, signed=True, pending=1)
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
        replica.facts[user_id] = facts(user_id, signed=user_id % 3 != 0, pending=1)
    await queues.recompute(list(users), "cdc")
    recomputed = dict(stores.tables.entries)
    assert recomputed != built
    assert (await queues.rebuild()).changes == []
    assert stores.tables.entries == recomputed
