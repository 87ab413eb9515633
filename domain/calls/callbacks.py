"""A booked callback's life: its statuses, and which callbacks a call completes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.queue.model import QueueType

PENDING = "pending"
COMPLETED = "completed"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PendingCallback:
    id: int
    scheduled_for: datetime


def completed_by_call(queue_type: str, pending: Iterable[PendingCallback],
                      now: datetime) -> list[int]:
    """The ids a call made at ``now`` completes: from the CALLBACK queue, every pending
    callback already due; from any other queue, none (the callback still stands)."""
    if queue_type != QueueType.CALLBACK:
        return []
    return [c.id for c in pending if c.scheduled_for <= now]


_QUARTER = timedelta(minutes=15)


def next_quarter(at: datetime) -> datetime:
    """A callback with no time named: as soon as we can, on the next quarter hour."""
    past = timedelta(minutes=at.minute % 15, seconds=at.second, microseconds=at.microsecond)
    return at - past + _QUARTER
