"""QueueMaintainer on in-memory stores: recompute, rebuild, catch-up and compare."""

from __future__ import annotations

import pytest

from domain.queue.facts import DiallerFacts
from domain.queue.model import QueueChangeKind, QueueEntry, QueueType
from domain.queue.ports import QueueBusy
from service_layer.queues import READS
from tests.fakes.builders import NOW, QueueWorld, replica_facts


@pytest.fixture
def world() -> QueueWorld:
    return QueueWorld()


async def test_a_recompute_places_the_user_writes_the_entry_and_publishes_it(world):
    world.replica.put(replica_facts(1))
    report = await world.maintainer().recompute([1], "cdc")
    entry = world.stores.tables.entries[1]
    assert entry.queue_type is QueueType.UNSIGNED
    assert report.entries == {1: entry} and report.written == 1
    [event] = world.events.published
    assert (event.kind, event.user_id, event.to_queue, event.reason) == (
        QueueChangeKind.ADDED, 1, QueueType.UNSIGNED, "cdc")
    assert world.stores.tables.events == [event]


async def test_a_user_who_no_longer_belongs_leaves_the_queue(world):
    world.replica.put(replica_facts(1))
    await world.maintainer().recompute([1], "cdc")
    world.replica.put(replica_facts(1, signed=True))
    report = await world.maintainer().recompute([1], "signed")
    assert 1 not in world.stores.tables.entries and report.entries == {}
    assert [e.kind for e in world.events.published] == [QueueChangeKind.ADDED,
                                                       QueueChangeKind.REMOVED]


async def test_nothing_changed_writes_and_publishes_nothing(world):
    world.replica.put(replica_facts(1))
    await world.maintainer().recompute([1], "cdc")
    report = await world.maintainer().recompute([1], "again")
    assert report.written == 0 and report.changes == [] and len(world.events.published) == 1


async def test_exclusions_are_counted_by_reason(world):
    world.replica.put(replica_facts(1, phone_raw="not a number"), replica_facts(2))
    world.stores.tables.dialler[2] = DiallerFacts(phone_dialable=True, do_not_call=True)
    report = await world.maintainer().recompute([1, 2], "cdc")
    assert report.excluded == {"undialable phone number": 1, "on the do-not-call list": 1}
    assert world.stores.tables.entries == {}


async def test_users_held_elsewhere_raise_queue_busy_and_nothing_is_written(world):
    world.replica.put(replica_facts(1))
    world.stores.held = {1}
    with pytest.raises(QueueBusy):
        await world.maintainer().recompute([1], "cdc")
    assert world.stores.tables.entries == {} and world.events.published == []


async def test_a_user_written_meanwhile_is_read_again_before_it_is_written(world):
    world.replica.put(replica_facts(1), replica_facts(2))
    stale = QueueEntry(2, QueueType.OUTSTANDING_REQUESTS, 1.0)
    world.stores.interleave.append(lambda: world.stores.written_elsewhere(stale))
    report = await world.maintainer().recompute([1, 2], "cdc")
    assert [k.ids for k in world.replica.reads] == [[1, 2], [2]]
    assert world.stores.tables.entries[2].queue_type is QueueType.UNSIGNED
    assert report.entries.keys() == {1, 2}


async def test_entries_that_keep_changing_give_queue_busy_after_the_reads_allowed(world):
    world.replica.put(replica_facts(1))
    world.stores.interleave.extend(
        (lambda: world.stores.written_elsewhere(QueueEntry(1, QueueType.CALLBACK, 2.0)))
        for _ in range(READS))
    with pytest.raises(QueueBusy):
        await world.maintainer().recompute([1], "cdc")
    assert len(world.replica.reads) == READS


async def test_a_recompute_goes_in_chunks_of_users(world):
    world.replica.put(*(replica_facts(u) for u in range(1, 6)))
    report = await world.maintainer(chunk=2).recompute([5, 4, 3, 2, 1, 1], "cdc")
    assert [k.ids for k in world.replica.reads] == [[1, 2], [3, 4], [5]]
    assert report.users == 5 and sorted(world.stores.tables.entries) == [1, 2, 3, 4, 5]


async def test_a_rebuild_covers_every_range_and_drops_entries_of_users_gone(world):
    world.stores.tables.entries[450] = QueueEntry(450, QueueType.UNSIGNED, 1.0)
    world.replica.put(replica_facts(5), replica_facts(250))
    done: list[int] = []
    report = await world.maintainer().rebuild(done.append)
    assert sorted(world.stores.tables.entries) == [5, 250]
    assert report.by_kind == {"ADDED": 2, "REMOVED": 1}
    assert sum(done) == 246  # ids 5..250 of the replica, range by range
    assert sorted(world.stores.tables.range_marks) == [0, 1, 2, 4]


async def test_a_rebuild_leaves_users_computed_after_it_began(world):
    world.replica.put(replica_facts(5), replica_facts(6))
    newer = QueueEntry(6, QueueType.CALLBACK, 9.0)
    world.stores.interleave.append(lambda: world.stores.written_elsewhere(newer))
    await world.maintainer().rebuild()
    assert world.stores.tables.entries[6] == newer
    assert world.stores.tables.entries[5].queue_type is QueueType.UNSIGNED


async def test_a_range_a_later_rebuild_wrote_is_left_alone(world):
    world.replica.put(replica_facts(5))
    world.stores.interleave.append(lambda: world.stores.tables.range_marks.update({0: 99}))
    report = await world.maintainer().rebuild()
    assert world.stores.tables.entries == {} and report.changes == []


async def test_catch_up_recomputes_users_dirty_long_enough_and_clears_them(world):
    world.replica.put(replica_facts(1), replica_facts(2))
    world.stores.mark_dirty(1, NOW.replace(hour=8))
    world.stores.mark_dirty(2, NOW)
    report = await world.maintainer().catch_up(older_than=NOW.replace(hour=9))
    assert report.entries.keys() == {1}
    assert world.stores.tables.dirty.keys() == {2}


async def test_compare_says_what_would_change_and_changes_nothing(world):
    world.replica.put(replica_facts(1))
    changes = await world.maintainer().compare([1])
    assert [(c.kind, c.user_id) for c in changes] == [(QueueChangeKind.ADDED, 1)]
    assert world.stores.tables.entries == {} and world.events.published == []
    assert await world.maintainer().compare([]) == []
