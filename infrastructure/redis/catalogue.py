"""Every event that crosses Redis between processes: its channel and its JSON codec.

The contract between processes is this table, keyed by the domain event class. Channel
names are written out (they are the old class names) so renaming a class cannot move an
event to a channel nobody listens on. The JSON is the one the bus wrote before it had a
catalogue: a flat object by field name, enums by value, UUIDs and tuples as strings and
lists, datetimes in ISO 8601 (now ``Z`` for UTC, which ``datetime.fromisoformat`` reads).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import TypeAdapter

from domain.agents.model import AgentStatusChanged
from domain.agents.sessions import AccessChanged
from domain.calls.voice import CallUpdated, IncomingCall
from domain.messaging.model import SmsEvent
from domain.queue.model import QueueChanged

E = TypeVar("E")


class UnknownEvent(LookupError):
    """An event type the catalogue does not declare, so no process would understand it."""

    def __init__(self, event_type: type):
        super().__init__(f"{event_type.__qualname__} is not a live event: declare it in "
                         f"{__name__} to send it between processes")


class LiveEvent(Generic[E]):
    """One event type on the wire: where it goes and how it is written and read."""

    __slots__ = ("event_type", "channel", "encode", "decode")

    def __init__(self, event_type: type[E], channel: str):
        adapter = TypeAdapter(event_type)
        self.event_type = event_type
        self.channel = channel
        self.encode: Callable[[E], bytes] = adapter.dump_json
        # One function per event type for good: the fan-out keeps a decoded payload per
        # decoder, so every listener of a channel must be handed this very object.
        self.decode: Callable[[bytes | str], E] = adapter.validate_json


CATALOGUE: dict[type, LiveEvent] = {event.event_type: event for event in (
    LiveEvent(QueueChanged, "QueueChanged"),
    LiveEvent(CallUpdated, "CallUpdated"),
    LiveEvent(IncomingCall, "IncomingCall"),
    LiveEvent(SmsEvent, "SmsEvent"),
    LiveEvent(AgentStatusChanged, "AgentStatusChanged"),
    LiveEvent(AccessChanged, "AccessChanged"),
)}


def live_event(event_type: type[E]) -> LiveEvent[E]:
    """The catalogue's entry for ``event_type``; UnknownEvent when it has none."""
    try:
        return CATALOGUE[event_type]
    except KeyError:
        raise UnknownEvent(event_type) from None
