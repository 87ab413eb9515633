"""Which handlers each domain event reaches."""

from __future__ import annotations

from domain.calls.events import CallbackBooked, DispositionMade
from domain.sync.events import ConversionRecorded
from service_layer.follow_ups import FollowUps
from service_layer.messagebus import MessageBus


def build_bus(follow_ups: FollowUps) -> MessageBus:
    """Outcomes, bookings and conversions schedule the follow-up SMS they call for."""
    return MessageBus({
        DispositionMade: [follow_ups.on_disposition],
        CallbackBooked: [follow_ups.on_callback_booked],
        ConversionRecorded: [follow_ups.on_conversion],
    })
