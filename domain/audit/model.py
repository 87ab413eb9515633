"""The audit trail: who read a user's personal data or changed anything, when, from where."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.analytics.figures import InvalidPeriod, Period, check_period

# Column sizes of the stored record; longer values are cut so that no record can make a
# whole batch fail.
MAX_OPERATION_LENGTH = 200
MAX_ADDRESS_LENGTH = 64
_MAX_BIGINT = 2**63 - 1


class AuditKind(StrEnum):
    READ = "READ"  # a person saw a user's personal data
    MUTATION = "MUTATION"  # anyone asked for a change (whether or not it succeeded)


def _clean(text: str | None, limit: int) -> str | None:
    return text.replace("\x00", "")[:limit] if text is not None else None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry: always storable (over-long text is cut, an impossible user id dropped)."""

    at: datetime
    kind: AuditKind
    agent_id: uuid.UUID | None
    user_id: int | None
    operation: str
    address: str | None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("an audit record's time needs a time zone")
        if self.user_id is not None and not 0 < self.user_id <= _MAX_BIGINT:
            object.__setattr__(self, "user_id", None)
        object.__setattr__(self, "operation", _clean(self.operation, MAX_OPERATION_LENGTH) or "?")
        object.__setattr__(self, "address", _clean(self.address, MAX_ADDRESS_LENGTH))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A stored record and its place in the trail."""

    id: int
    record: AuditRecord


@dataclass(frozen=True, slots=True)
class AuditPosition:
    """Where a page of the trail (newest first) ended: the next page starts after it."""

    at: datetime
    id: int


class InvalidAuditQuery(ValueError):
    """A question of the trail that cannot be answered; ``field`` names the argument."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Entries of a user, an agent, or one agent's with one user, in a period, newest first."""

    user_id: int | None
    agent_id: uuid.UUID | None
    period: Period
    first: int
    after: AuditPosition | None = None

    @classmethod
    def of(cls, *, user_id: int | None, agent_id: uuid.UUID | None, start: datetime,
           end: datetime, first: int, after: AuditPosition | None,
           max_days: int) -> AuditQuery:
        """Raises InvalidAuditQuery naming the argument at fault."""
        if user_id is None and agent_id is None:
            raise InvalidAuditQuery("give at least one of userId and agentId", "userId")
        if first < 1:
            raise InvalidAuditQuery(f"first must be at least 1, got {first}", "first")
        try:
            period = check_period(start, end, max_days)
        except InvalidPeriod as exc:
            raise InvalidAuditQuery(str(exc), exc.field) from exc
        return cls(user_id, agent_id, period, first, after)


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    has_next: bool


@dataclass(slots=True)
class RequestReads:
    """The users one request has recorded as read, so that each is recorded once."""

    seen: set[int] = field(default_factory=set)
    # The request's operation, for callers that do not have the field's info at hand.
    operation: str | None = None

    def start_over(self) -> None:
        """A new event on a long-lived socket: its reads are recorded again."""
        self.seen.clear()

    def first_reads(self, user_ids: Iterable[int]) -> list[int]:
        """The users not recorded yet in this request (in order, once each); marks them."""
        fresh = []
        for user_id in user_ids:
            if user_id not in self.seen:
                self.seen.add(user_id)
                fresh.append(user_id)
        return fresh
