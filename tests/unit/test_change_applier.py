"""ChangeApplier on fakes (with the real queue maintainer): dedupe, freshness, effects."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from domain.queue.model import QueueType
from domain.sync.events import ConversionRecorded
from service_layer.cdc import Incoming
from service_layer.messagebus import MessageBus
from tests.contracts import CDC_SAMPLES
from tests.fakes.builders import NOW, CdcWorld, replica_facts

USERS_UPDATE = json.loads((CDC_SAMPLES / "dms-users-update-signed.json").read_text())
UPDATED = "2026-11-24 09:59:00"


def users_update(user_id: int, position: int, *, signed: bool = False,
                 committed: datetime = NOW - timedelta(seconds=3),
                 table: str = "users") -> Incoming:
    """A DMS update of one users row (signing when ``signed``), named by its position."""
    body = json.loads(json.dumps(USERS_UPDATE))
    for image in (body["data"], body["before-image"]):
        image.update(id=user_id, updated_at=UPDATED)
    body["data"]["current_signature_file_id"] = 88 if signed else None
    body["metadata"].update({"table-name": table, "stream-position": f"bin:{position}",
                             "commit-timestamp": committed.isoformat(),
                             "partition-key-value": f"rmc.{table}.{user_id}"})
    return Incoming(f"m{position}", f"r{position}", json.dumps(body))


@pytest.fixture
def world() -> CdcWorld:
    world = CdcWorld()
    world.queues.replica.put(replica_facts(7))
    world.lookups.versions[("users", "7")] = NOW - timedelta(seconds=60)
    return world


async def test_a_fresh_change_recomputes_its_user_and_is_deleted(world):
    message = users_update(7, 1)
    outcome = await world.applier().apply([message])
    assert outcome.delete == [message] and outcome.users == {7}
    assert world.queues.stores.tables.entries[7].queue_type is QueueType.UNSIGNED
    assert world.cache.invalidated == [{7}]
    assert outcome.counts == {"applied": 1} and outcome.lags == [3.0]
    assert len(world.applied.keys) == 1


async def test_a_record_applied_before_or_twice_in_a_batch_is_a_duplicate(world):
    first, again = users_update(7, 1), users_update(7, 1)
    outcome = await world.applier().apply([first, again])
    assert outcome.counts == {"duplicate": 1, "applied": 1}
    later = await world.applier().apply([users_update(7, 1)])
    assert later.counts == {"duplicate": 1} and world.cache.invalidated == [{7}]


async def test_a_change_the_replica_does_not_show_yet_comes_back_later(world):
    world.lookups.versions.clear()
    message = users_update(7, 1)
    outcome = await world.applier(retry_base_seconds=2).apply([message])
    assert outcome.retry == [(message, 2)] and outcome.delete == []
    assert world.queues.stores.tables.entries == {} and world.applied.keys == set()


async def test_the_back_off_doubles_up_to_its_cap(world):
    world.lookups.versions.clear()
    applier = world.applier(retry_base_seconds=2, retry_cap_seconds=10)
    delays = []
    for n in range(1, 6):
        message = users_update(7, n, committed=NOW)
        again = Incoming(message.message_id, message.receipt, message.body, receive_count=n)
        delays += [delay for _, delay in (await applier.apply([again])).retry]
    assert delays == [2, 4, 8, 10, 10]


async def test_a_change_missing_from_the_replica_long_after_its_commit_is_applied(world):
    world.lookups.versions.clear()
    outcome = await world.applier().apply([users_update(7, 1, committed=NOW - timedelta(
        hours=1))])
    assert outcome.counts == {"applied": 1}


async def test_poison_control_and_untracked_records_never_fail_the_batch(world):
    control = Incoming("c", "rc", (CDC_SAMPLES / "dms-control-create-table.json").read_text())
    poison = Incoming("p", "rp", "not json")
    other = users_update(7, 2, table="sessions")
    good = users_update(7, 1)
    outcome = await world.applier().apply([control, poison, other, good])
    assert [m for m, _ in outcome.dead] == [poison]
    assert outcome.delete == [control, other, good]
    assert outcome.counts == {"control": 1, "dead_lettered": 1, "ignored": 1, "applied": 1}


async def test_a_signature_is_recorded_once_and_calls_the_follow_up(world):
    world.queues.replica.put(replica_facts(7, signed=True))
    followed: list[int] = []

    async def follow_up(event: ConversionRecorded) -> None:
        followed.append(event.user_id)

    applier = world.applier(bus=MessageBus({ConversionRecorded: [follow_up]}))
    outcome = await applier.apply([users_update(7, 1, signed=True)])
    assert outcome.conversions == 1 and followed == [7]
    assert [s.user_id for s in world.conversions.recorded.values()] == [7]
    assert (await applier.apply([users_update(7, 2, signed=True)])).conversions == 0


async def test_a_failing_follow_up_leaves_the_conversion_standing(world):
    async def broken(event: ConversionRecorded) -> None:
        raise RuntimeError("follow-ups down")

    outcome = await world.applier(bus=MessageBus({ConversionRecorded: [broken]})).apply(
        [users_update(7, 1, signed=True)])
    assert outcome.conversions == 1 and outcome.counts == {"applied": 1}


async def test_a_cache_failure_fails_the_batch_before_anything_is_marked(world):
    world.cache.fail = RuntimeError("redis down")
    with pytest.raises(RuntimeError):
        await world.applier().apply([users_update(7, 1)])
    assert world.applied.keys == set() and world.queues.stores.tables.entries == {}
