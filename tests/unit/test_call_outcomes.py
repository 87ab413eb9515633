"""CallOutcomes on in-memory dispositions: record, refuse, follow-up events, callbacks."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta

import pytest

from domain.access.rule import CallbackChanger
from domain.agents.model import Role
from domain.calls.callbacks import CANCELLED, COMPLETED, PENDING, RESCHEDULED
from domain.calls.disposition import InvalidDisposition, NotYourCallback
from domain.calls.events import CallbackBooked, DispositionMade
from domain.calls.outcomes import CallOutcome
from domain.queue.model import QueueType
from tests.fakes.builders import NOW, OutcomesWorld, replica_facts
from tests.fakes.callbacks import FOREVER

AGENT, OTHER = uuid.uuid4(), uuid.uuid4()
AS_AGENT, AS_OTHER = CallbackChanger(AGENT, Role.AGENT), CallbackChanger(OTHER, Role.AGENT)
SUPERVISOR = CallbackChanger(uuid.uuid4(), Role.SUPERVISOR)
LATER = NOW + timedelta(hours=1)  # inside the calling window


@pytest.fixture
async def world() -> OutcomesWorld:
    world = OutcomesWorld()
    world.queues.replica.put(replica_facts(1))
    await world.queues.maintainer().recompute([1], "cdc")
    return world


def _lease(world: OutcomesWorld, given=NOW, **options) -> uuid.UUID:
    return world.store.lease(1, AGENT, given + timedelta(minutes=10), **options)


async def _record(world: OutcomesWorld, lease_id: uuid.UUID, outcome: CallOutcome, *first,
                  callback_at=None, call_sid=None, notes=None, agent_id=AGENT, now=NOW):
    return await world.outcomes(*first).record(
        agent_id=agent_id, lease_id=lease_id, outcome=outcome, notes=notes,
        callback_at=callback_at, call_sid=call_sid, now=now)


def _state(world: OutcomesWorld) -> object:
    store = world.store
    return copy.deepcopy((store.leases, store.callbacks, store.dispositions,
                          store.call_outcomes, world.queues.stores.tables))


async def test_a_disposition_ends_the_lease_and_the_queue_takes_its_cool_down(world):
    lease_id = _lease(world)
    recorded = await _record(world, lease_id, CallOutcome.NO_ANSWER)
    cool_down = NOW + timedelta(minutes=240)
    assert (recorded.next_call_after, recorded.queue_type) == (cool_down, QueueType.UNSIGNED)
    [kept] = world.store.dispositions
    assert (kept["user_id"], kept["outcome"], kept["agent_id"]) == (1, CallOutcome.NO_ANSWER,
                                                                   AGENT)
    assert world.store.leases[lease_id].hold.end_reason == "disposition"
    tables = world.queues.stores.tables
    assert tables.entries[1].next_call_after == cool_down and 1 not in tables.dirty
    assert tables.dialler[1].failed_attempts == 1


async def test_a_second_disposition_on_the_same_lease_is_refused(world):
    lease_id = _lease(world)
    await _record(world, lease_id, CallOutcome.CONTACTED)
    with pytest.raises(InvalidDisposition, match="already has a disposition"):
        await _record(world, lease_id, CallOutcome.NO_ANSWER)
    assert len(world.store.dispositions) == 1


@pytest.mark.parametrize("setup, record, reason", [
    (lambda w: w.store.lease(1, OTHER, NOW + timedelta(minutes=10)), {}, "of yours"),
    (lambda w: w.store.lease(1, AGENT, NOW), {}, "lease expired"),
    (lambda w: uuid.uuid4(), {}, "no such assignment"),
    (lambda w: w.store.lease(1, AGENT, NOW + timedelta(minutes=10)),
     {"call_sid": "CA" + "0" * 32}, "not a call of yours"),
    (lambda w: w.store.lease(1, AGENT, NOW + timedelta(minutes=10)),
     {"notes": "x" * 4001}, "notes are longer"),
    (lambda w: w.store.lease(1, AGENT, NOW + timedelta(minutes=10)),
     {"callback_at": NOW.replace(hour=22)}, "outside the calling window"),
], ids=["another agent's", "expired", "unknown", "someone else's call", "long notes",
        "callback out of hours"])
async def test_a_refused_disposition_changes_nothing_and_raises_no_event(world, setup, record,
                                                                         reason):
    lease_id = setup(world)
    outcome = CallOutcome.CALLBACK_REQUESTED if "callback_at" in record else \
        CallOutcome.CONTACTED
    before = _state(world)
    with pytest.raises(InvalidDisposition, match=reason):
        await _record(world, lease_id, outcome, **record)
    assert _state(world) == before
    assert world.handled.events == []


async def test_the_agents_own_call_carries_the_outcome(world):
    world.store.calls["CA1"] = (AGENT, 1)
    await _record(world, _lease(world), CallOutcome.CONTACTED, call_sid="CA1")
    assert world.store.call_outcomes == {"CA1": CallOutcome.CONTACTED}


async def test_a_recorded_disposition_raises_its_follow_up_event_with_the_callback(world):
    at = NOW + timedelta(days=1)
    await _record(world, _lease(world), CallOutcome.CALLBACK_REQUESTED, callback_at=at)
    assert world.handled.events == [DispositionMade(1, CallOutcome.CALLBACK_REQUESTED, at, NOW)]
    [callback] = world.store.pending(1)
    assert (callback["scheduled_for"], callback["personal"], callback["agent_id"]) == (
        at, True, AGENT)


async def test_a_failing_follow_up_handler_does_not_fail_the_disposition(world):
    async def broken(event: object) -> None:
        raise RuntimeError("the follow-up store is down")

    recorded = await _record(world, _lease(world), CallOutcome.NOT_INTERESTED, broken)
    assert recorded.queue_type is QueueType.UNSIGNED
    assert len(world.store.dispositions) == 1
    assert [type(e) for e in world.handled.events] == [DispositionMade]  # later handlers too


async def test_do_not_call_takes_the_user_out_of_every_queue(world):
    recorded = await _record(world, _lease(world), CallOutcome.DO_NOT_CALL)
    assert (recorded.next_call_after, recorded.queue_type) == (None, None)
    assert 1 not in world.queues.stores.tables.entries


async def test_a_queue_update_that_must_wait_is_owed_and_the_entry_held_off(world):
    world.queues.stores.held.add(1)
    recorded = await _record(world, _lease(world), CallOutcome.DO_NOT_CALL)
    assert (recorded.next_call_after, recorded.queue_type) == (None, None)
    tables = world.queues.stores.tables
    assert tables.entries[1].next_call_after == FOREVER and tables.dirty == {1: NOW}
    world.queues.stores.held.clear()
    await world.queues.maintainer().catch_up(NOW + timedelta(minutes=1))
    assert 1 not in world.queues.stores.tables.entries


async def test_a_call_from_the_callback_queue_completes_the_callback_due(world):
    outcomes = world.outcomes()
    booked = await outcomes.schedule(user_id=1, at=LATER, changer=AS_AGENT, personal=False,
                                     note=None, now=NOW)
    lease_id = _lease(world, LATER, queue_type=QueueType.CALLBACK)
    await _record(world, lease_id, CallOutcome.CONTACTED, now=LATER)
    assert world.store.callbacks[booked["id"]]["status"] == COMPLETED


async def test_a_call_from_another_queue_leaves_the_callback_standing(world):
    booked = await world.outcomes().schedule(user_id=1, at=LATER, changer=AS_AGENT,
                                             personal=False, note=None, now=NOW)
    await _record(world, _lease(world, LATER), CallOutcome.CONTACTED, now=LATER)
    assert world.store.callbacks[booked["id"]]["status"] == PENDING


async def test_a_booking_supersedes_the_pending_callback_and_is_announced(world):
    outcomes = world.outcomes()
    first = await outcomes.schedule(user_id=1, at=LATER, changer=AS_AGENT, personal=False,
                                    note="after lunch", now=NOW)
    second = await outcomes.schedule(user_id=1, at=LATER + timedelta(hours=1),
                                     changer=AS_AGENT, personal=False, note=None, now=NOW)
    assert world.store.callbacks[first["id"]]["status"] == RESCHEDULED
    assert world.store.pending(1) == [world.store.callbacks[second["id"]]]
    assert world.handled.events == [CallbackBooked(1, LATER, NOW),
                                    CallbackBooked(1, LATER + timedelta(hours=1), NOW)]
    assert world.queues.stores.tables.dialler[1].callback.id == second["id"]


@pytest.mark.parametrize("at, reason", [
    (NOW.replace(hour=22), "outside the calling window"),
    (NOW - timedelta(minutes=1), "in the future"),
    (NOW + timedelta(days=91), "within 90 days"),
])
async def test_a_callback_at_a_time_the_rules_refuse_is_not_booked(world, at, reason):
    with pytest.raises(InvalidDisposition, match=reason):
        await world.outcomes().schedule(user_id=1, at=at, changer=AS_AGENT, personal=False,
                                        note=None, now=NOW)
    assert world.store.callbacks == {} and world.handled.events == []


async def test_a_callback_for_an_unknown_user_is_refused(world):
    with pytest.raises(InvalidDisposition, match="no user 2"):
        await world.outcomes().schedule(user_id=2, at=LATER, changer=AS_AGENT,
                                        personal=False, note=None, now=NOW)
    assert world.store.callbacks == {}


async def test_another_agents_personal_callback_is_theirs_alone_to_change(world):
    outcomes = world.outcomes()
    booked = await outcomes.schedule(user_id=1, at=LATER, changer=AS_AGENT, personal=True,
                                     note=None, now=NOW)
    before = _state(world)
    with pytest.raises(NotYourCallback):
        await outcomes.schedule(user_id=1, at=LATER + timedelta(hours=1), changer=AS_OTHER,
                                personal=False, note=None, now=NOW)
    with pytest.raises(NotYourCallback):
        await outcomes.cancel(callback_id=booked["id"], now=NOW, changer=AS_OTHER)
    assert _state(world) == before and len(world.handled.events) == 1
    cancelled = await outcomes.cancel(callback_id=booked["id"], now=NOW, changer=SUPERVISOR)
    assert cancelled["status"] == CANCELLED and world.store.pending(1) == []
    assert world.queues.stores.tables.dialler[1].callback is None


async def test_cancelling_an_unknown_callback_gives_none(world):
    assert await world.outcomes().cancel(callback_id=7, now=NOW, changer=AS_AGENT) is None
    assert await world.outcomes().callback_user(7) is None
