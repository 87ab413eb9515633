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
