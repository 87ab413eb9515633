"""What the API reads back of the learning snapshots: the active one's rows, and the list."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.history.records import Channel

EVERYONE = "everyone"  # the learned_segments row of everyone's hourly estimates


class SnapshotStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUPERSEDED = "SUPERSEDED"


@dataclass(frozen=True, slots=True)
class SnapshotSummary:
    version: int
    status: SnapshotStatus
    created_at: datetime
    users: int  # with calls or texts of their own
    calls: int
    texts: int

    @property
    def history_rows(self) -> int:
        """The calls and texts the run learned from."""
        return self.calls + self.texts


@dataclass(frozen=True, slots=True)
class LearnedUser:
    """A user's own row in a snapshot; hourly figures per contact_windows.HOURS, or None
    when they have texts but no calls."""

    user_id: int
    estimates: tuple[float, ...] | None
    contacts: tuple[int, ...] | None
    attempts: tuple[int, ...] | None
    calls: int
    answered: int
    texts: int
    replied: int
    call_rate: float | None
    text_rate: float | None
    preferred: Channel | None


@dataclass(frozen=True, slots=True)
class ActiveLearning:
    """The active snapshot's rows for the users and segments asked about."""

    version: int
    users: dict[int, LearnedUser]
    segments: dict[str, tuple[float, ...]]  # by segment (EVERYONE too), per HOURS


class LearningReads(abc.ABC):
    @abc.abstractmethod
    async def active(self, user_ids: Sequence[int], segments: Sequence[str]
                     ) -> ActiveLearning | None:
        """The active snapshot's rows of these users and segments (and EVERYONE's), in one
        statement; None when no snapshot is active."""

    @abc.abstractmethod
    async def snapshots(self) -> list[SnapshotSummary]:
        """Every snapshot, newest first."""

    @abc.abstractmethod
    async def snapshot(self, version: int) -> SnapshotSummary | None: ...
