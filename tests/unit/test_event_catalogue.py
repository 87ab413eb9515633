"""The events that cross Redis: each round-trips, reads and is read by the previous wire
format, goes to its channel, and is decoded once per process however many listen."""

from __future__ import annotations

import json
import uuid
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum

import pytest

from domain.agents.model import AgentStatus, AgentStatusChanged
from domain.agents.presence import IDLE
from domain.agents.sessions import AccessChanged
from domain.calls.status import CallStatus
from domain.calls.voice import CallDirection, CallUpdated, IncomingCall
from domain.messaging.model import SmsEvent
from domain.queue.model import QueueChanged, QueueChangeKind, QueueType
from infrastructure.redis.catalogue import CATALOGUE, UnknownEvent, live_event
from infrastructure.redis.event_bus import RedisEventBus, event_decoder, serialise
from infrastructure.redis.fanout import Channel

AT = datetime(2026, 11, 24, 10, 15, 30, 123456, tzinfo=UTC)
AGENT, OTHER = uuid.uuid4(), uuid.uuid4()

SAMPLES: dict[type, list[object]] = {
    QueueChanged: [
        QueueChanged(QueueChangeKind.MOVED, 42, QueueType.CALLBACK, QueueType.UNSIGNED, 12.5,
                     "callback due", AT),
        QueueChanged(QueueChangeKind.ADDED, 7, None, QueueType.OUTSTANDING_REQUESTS, None,
                     "new lead", AT.astimezone(timezone(timedelta(hours=1)))),
    ],
    CallUpdated: [
        CallUpdated(uuid.uuid4(), CallDirection.OUTBOUND, CallStatus.IN_PROGRESS, 95,
                    "https://example.test/rec.mp3", 42, AGENT, AT),
        CallUpdated(uuid.uuid4(), CallDirection.INBOUND, CallStatus.RINGING, 0, None, None,
                    None, AT),
    ],
    IncomingCall: [
        IncomingCall(uuid.uuid4(), 42, "*******4567", (str(AGENT), str(OTHER)), AT),
        IncomingCall(uuid.uuid4(), None, None, (), AT),
    ],
    SmsEvent: [
        SmsEvent("RECEIVED", 3, 42, "INBOUND", "Yes, call me after 5 — thanks", "RECEIVED",
                 AT, (str(AGENT),)),
        SmsEvent("STATUS_CHANGED", 4, None, "OUTBOUND", "", "DELIVERED", AT),
    ],
    AgentStatusChanged: [
        AgentStatusChanged(AGENT, AgentStatus.AVAILABLE, AgentStatus.PAUSED, "lunch", AT),
        AgentStatusChanged(AGENT, AgentStatus.OFFLINE, AgentStatus.AVAILABLE, None, AT),
    ],
    AccessChanged: [
        AccessChanged(IDLE, (AGENT, OTHER), (uuid.uuid4(),), AT),
        AccessChanged(IDLE, (AGENT,)),
    ],
}
EVERY_SAMPLE = [event for samples in SAMPLES.values() for event in samples]


def previous_wire(event: object) -> bytes:
    """What the bus published before the catalogue: a flat object by field name."""

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, uuid.UUID):
            return str(value)
        raise TypeError(type(value).__name__)

    payload = {f.name: getattr(event, f.name) for f in fields(event)}
    return json.dumps(payload, default=plain, separators=(",", ":")).encode()


def test_every_event_in_the_catalogue_has_samples():
    assert set(SAMPLES) == set(CATALOGUE)


@pytest.mark.parametrize("event", EVERY_SAMPLE, ids=lambda e: type(e).__name__)
def test_an_event_round_trips_to_an_equal_one(event):
    entry = live_event(type(event))
    decoded = entry.decode(entry.encode(event))
    assert decoded == event and type(decoded) is type(event)
    # Equal is not enough: a StrEnum equals its text, a tuple of UUIDs could come back as a
    # list of strings and still be truthy where it is tested.
    assert [type(getattr(decoded, f.name)) for f in fields(event)] == [
        type(getattr(event, f.name)) for f in fields(event)]


@pytest.mark.parametrize("event", EVERY_SAMPLE, ids=lambda e: type(e).__name__)
def test_the_previous_wire_format_reads_and_is_read(event):
    """Processes of two versions side by side, during a rolling deploy."""
    assert live_event(type(event)).decode(previous_wire(event)) == event
    new, old = json.loads(serialise(event)), json.loads(previous_wire(event))
    assert new.keys() == old.keys()
    for name, value in old.items():
        if isinstance(getattr(event, name), datetime):
            assert datetime.fromisoformat(new[name]) == datetime.fromisoformat(value)
        else:
            assert new[name] == value


def test_channels_are_the_names_listeners_of_the_previous_version_use():
    assert {entry.channel for entry in CATALOGUE.values()} == {
        "QueueChanged", "CallUpdated", "IncomingCall", "SmsEvent", "AgentStatusChanged",
        "AccessChanged"}


def test_an_sms_event_without_watchers_from_an_older_publisher_still_reads():
    data = json.loads(previous_wire(SAMPLES[SmsEvent][1]))
    del data["watchers"]
    assert live_event(SmsEvent).decode(json.dumps(data)).watchers == ()


class NotLive:
    pass


async def test_an_event_the_catalogue_lacks_is_refused_before_anything_is_sent():
    bus = RedisEventBus(redis=None)  # never reached: the refusal comes first
    with pytest.raises(UnknownEvent, match="NotLive is not a live event"):
        await bus.publish([SAMPLES[QueueChanged][0], NotLive()])
    with pytest.raises(UnknownEvent):
        serialise(NotLive())
    assert not bus._undelivered


async def test_a_payload_is_decoded_and_viewed_once_however_many_listen():
    views = []

    def view(event: QueueChanged) -> tuple[int, str]:
        views.append(event)
        return (event.user_id, event.reason)

    decode = event_decoder(QueueChanged)
    assert event_decoder(QueueChanged) is decode  # one per type: the fan-out keys on it
    channel = Channel()
    typed = [channel.reader(decode) for _ in range(50)]
    viewed = [channel.reader(decode, view) for _ in range(50)]
    event = SAMPLES[QueueChanged][0]
    channel.put(serialise(event))
    got = [await anext(r) for r in typed]
    assert got[0] == event and all(g is got[0] for g in got)
    shown = [await anext(r) for r in viewed]
    assert shown[0] == (42, "callback due") and all(s is shown[0] for s in shown)
    assert views == [event]


async def test_a_payload_that_is_not_its_event_is_skipped_by_every_listener():
    channel = Channel()
    readers = [channel.reader(event_decoder(CallUpdated)) for _ in range(3)]
    channel.put(b'{"call_id": "not a uuid"}')
    channel.put(serialise(SAMPLES[CallUpdated][0]))
    assert [await anext(r) for r in readers] == [SAMPLES[CallUpdated][0]] * 3
