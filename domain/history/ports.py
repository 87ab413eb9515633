"""What the history import needs from storage."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from domain.history.records import HistoryRecord
from domain.scoring.model import CallScore


class HistoryBatch(abc.ABC):
    """One batch of an import, in one transaction: all of it lands or none."""

    @abc.abstractmethod
    async def insert(self, records: Sequence[HistoryRecord],
                     agents: Mapping[str, uuid.UUID]) -> set[str]:
        """Stores the calls and texts not stored before; their external ids."""

    @abc.abstractmethod
    async def call_scores(self, user_ids: Sequence[int]) -> dict[int, CallScore]:
        """These users' call scores as they stand, held until the batch ends."""

    @abc.abstractmethod
    async def save_call_scores(self, scores: Sequence[CallScore]) -> None: ...

    @abc.abstractmethod
    async def owe(self, user_ids: Sequence[int], now: datetime) -> None:
        """Their queue update is owed until a recompute commits."""


class HistoryStore(abc.ABC):
    @abc.abstractmethod
    def batch(self) -> AbstractAsyncContextManager[HistoryBatch]: ...

    @abc.abstractmethod
    async def agent_ids(self, emails: Sequence[str]) -> dict[str, uuid.UUID]:
        """The dialler's agents among these e-mails (lower case)."""
