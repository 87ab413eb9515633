"""Handing leads to agents: leases, and why none could be given."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.queue.model import QueueType

LEASE_LENGTH = timedelta(minutes=10)
PERSONAL_GRACE = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Lease:
    id: uuid.UUID
    user_id: int
    agent_id: uuid.UUID
    queue_type: QueueType
    score: float
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NoLead:
    reason: str


def no_entry_reason(queue_type: QueueType) -> str:
    return f"no callable entry in {queue_type.value} right now"


def not_allowed_reason(queue_type: QueueType) -> str:
    return f"your profile does not include the {queue_type.value} queue"


ENDED_BY_DISPOSITION = "disposition"  # leases.end_reason once its disposition is recorded


@dataclass(frozen=True, slots=True)
class LeaseHold:
    """A lease as it stands: whose it is, until when, and whether and why it ended."""

    agent_id: uuid.UUID
    expires_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None


def expired(expires_at: datetime, now: datetime) -> bool:
    """A lease lapses at its expiry instant itself, not a moment after."""
    return expires_at <= now


def why_not_held(lease: LeaseHold | None, agent_id: uuid.UUID, now: datetime) -> str | None:
    """Why ``agent_id`` may not record a disposition on ``lease`` now; None: they may."""
    if lease is None or lease.agent_id != agent_id:
        return "no such assignment of yours"
    if lease.end_reason == ENDED_BY_DISPOSITION:
        return "this assignment already has a disposition"
    if lease.ended_at is not None:
        return f"this assignment ended: {lease.end_reason}"
    if expired(lease.expires_at, now):
        return "this assignment's lease expired; ask for the lead again"
    return None
