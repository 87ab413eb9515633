"""The three queues, their entries and the changes between two states of them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
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


class MovementCause(StrEnum):
    """Why a user moved between queues, or in or out of them (the movement reports')."""

    SIGNATURE_OBTAINED = "SIGNATURE_OBTAINED"
    REQUIREMENT_COMPLETED = "REQUIREMENT_COMPLETED"
    REQUIREMENT_ADDED = "REQUIREMENT_ADDED"
    CALLBACK_DUE = "CALLBACK_DUE"
    DISPOSITION = "DISPOSITION"
    DO_NOT_CALL = "DO_NOT_CALL"
    OPTED_OUT = "OPTED_OUT"
    UNDIALABLE = "UNDIALABLE"
    RESCORED = "RESCORED"
    OTHER = "OTHER"


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
    cause: MovementCause = MovementCause.OTHER


def diff(before: dict[int, QueueEntry], after: dict[int, QueueEntry], reason: str,
         at: datetime, *, trigger: MovementCause | None = None,
         left_because: Mapping[int, MovementCause] | None = None) -> list[QueueChanged]:
    """Every difference between two states of the queues, as events, in user order, each
    with its cause: ``trigger`` when the caller knows what it did (a disposition, a
    do-not-call change, …), else what the change itself and ``left_because`` (why users
    left every queue, when the placement says) tell."""
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
        from_queue, to_queue = (old.queue_type if old else None,
                                new.queue_type if new else None)
        cause = trigger or _cause(kind, from_queue, to_queue,
                                  (left_because or {}).get(user_id))
        changes.append(QueueChanged(kind, user_id, from_queue, to_queue,
                                    new.score if new else None, reason, at, cause))
    return changes


_LEFT_FROM = {QueueType.UNSIGNED: MovementCause.SIGNATURE_OBTAINED,
              QueueType.OUTSTANDING_REQUESTS: MovementCause.REQUIREMENT_COMPLETED}


def _cause(kind: QueueChangeKind, from_queue: QueueType | None, to_queue: QueueType | None,
           left_because: MovementCause | None) -> MovementCause:
    if kind is QueueChangeKind.RESCORED:
        return MovementCause.RESCORED
    if to_queue is None:
        return left_because or _LEFT_FROM.get(from_queue, MovementCause.OTHER)
    if to_queue is QueueType.CALLBACK:
        return MovementCause.CALLBACK_DUE
    if to_queue is QueueType.OUTSTANDING_REQUESTS:
        return MovementCause.SIGNATURE_OBTAINED if from_queue is QueueType.UNSIGNED \
            else MovementCause.REQUIREMENT_ADDED
    return MovementCause.OTHER
