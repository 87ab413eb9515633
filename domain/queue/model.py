"""The three queues, their entries and the changes between two states of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.scoring.engine import ScoringFacts


class QueueType(StrEnum):
    CALLBACK = "CALLBACK"
    UNSIGNED = "UNSIGNED"
    OUTSTANDING_REQUESTS = "OUTSTANDING_REQUESTS"


PRECEDENCE = (QueueType.CALLBACK, QueueType.UNSIGNED, QueueType.OUTSTANDING_REQUESTS)


class QueueChangeKind(StrEnum):
    ADDED = "ADDED"
    REMOVED = "REMOVED"
    MOVED = "MOVED"
    RESCORED = "RESCORED"


@dataclass(frozen=True, slots=True)
class Scored:
    """When an entry's score was worked out, and by which rule set version, arm and
    learning snapshot."""

    at: datetime
    version: int
    arm: str | None = None
    snapshot: int | None = None


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """Where one user sits: one queue at most, ordered by score then user id."""

    user_id: int
    queue_type: QueueType
    score: float
    next_call_after: datetime | None = None
    callback_id: int | None = None
    personal_agent_id: uuid.UUID | None = None
    due_at: datetime | None = None
    # When the score may next change with time alone, and the facts it was scored from:
    # what the time-driven rescorer scores it again from, without the replica.
    next_change_at: datetime | None = None
    basis: ScoringFacts | None = None
    scored: Scored | None = None

    def sort_key(self) -> tuple[float, int]:
        return (self.score, self.user_id)


@dataclass(frozen=True, slots=True)
class QueueChanged:
    """Domain event: one user's membership or score changed."""

    kind: QueueChangeKind
    user_id: int
    from_queue: QueueType | None
    to_queue: QueueType | None
    score: float | None
    reason: str
    occurred_at: datetime


def diff(before: dict[int, QueueEntry], after: dict[int, QueueEntry], reason: str,
         at: datetime) -> list[QueueChanged]:
    """Every difference between two states of the queues, as events, in user order."""
    changes: list[QueueChanged] = []
    for user_id in sorted(before.keys() | after.keys()):
        old, new = before.get(user_id), after.get(user_id)
        if old == new:
            continue
        if old is None:
            kind = QueueChangeKind.ADDED
        elif new is None:
            kind = QueueChangeKind.REMOVED
        elif old.queue_type != new.queue_type:
            kind = QueueChangeKind.MOVED
        elif old.score != new.score:
            kind = QueueChangeKind.RESCORED
        else:
            continue  # same queue and score: a cool-down or callback detail changed
        changes.append(QueueChanged(
            kind, user_id, old.queue_type if old else None, new.queue_type if new else None,
            new.score if new else None, reason, at))
    return changes
