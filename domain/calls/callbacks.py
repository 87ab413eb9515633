"""A booked callback's life: its statuses, and which callbacks a call completes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.agents.model import Agent
from domain.queue.model import QueueType

PENDING = "pending"
COMPLETED = "completed"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
STATUSES = (PENDING, COMPLETED, CANCELLED, RESCHEDULED)
MAX_REASSIGNED_IDS = 1000


@dataclass(frozen=True, slots=True)
class Callback:
    id: int
    user_id: int
    scheduled_for: datetime
    status: str  # one of STATUSES
    personal: bool  # for its booking agent first
    note: str | None
    agent_id: uuid.UUID | None  # who booked it (or was handed it)


@dataclass(frozen=True, slots=True)
class CallbackPosition:
    """Where a page of callbacks ends: they come by time due, then id."""

    scheduled_for: datetime
    id: int


@dataclass(frozen=True, slots=True)
class CallbackPage:
    callbacks: list[Callback]
    total: int  # every callback the filters keep, on any page
    has_next: bool


class InvalidReassignment(ValueError):
    """A reassignment refused, with the reason; nothing changed."""


def check_reassignment(from_agent_id: uuid.UUID, to_agent_id: uuid.UUID, to: Agent | None,
                       ids: list[int] | None) -> None:
    """Callbacks go only to another person, active, who works the CALLBACK queue."""
    if to_agent_id == from_agent_id:
        raise InvalidReassignment("the callbacks are that agent's already")
    if to is None:
        raise InvalidReassignment(f"there is no agent {to_agent_id}")
    if not to.is_active:
        raise InvalidReassignment(f"{to.name} is not active: callbacks go to an active agent")
    if to.automated:
        raise InvalidReassignment(f"{to.name} is an automated agent, which never calls")
    if not to.may_work(QueueType.CALLBACK.value):
        raise InvalidReassignment(f"{to.name} does not work the CALLBACK queue")
    if ids is not None and not 1 <= len(ids) <= MAX_REASSIGNED_IDS:
        raise InvalidReassignment(f"name 1 to {MAX_REASSIGNED_IDS} callbacks, or none for "
                                  "every pending one")


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
