"""What scoring needs from storage."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from domain.scoring.model import CallScore
from domain.scoring.records import Experiment, RuleSetRecord


class CallScoreRepository(abc.ABC):
    @abc.abstractmethod
    async def get_many(self, user_ids: Sequence[int]) -> dict[int, CallScore]: ...


@dataclass
class ArmResult:
    """One experiment arm's figures, as read from dispositions and queue movements."""

    name: str
    users: int = 0
    attempts: int = 0
    reached: int = 0
    conversions: int = 0

    @property
    def contact_rate(self) -> float | None:
        return self.reached / self.attempts if self.attempts else None

    @property
    def conversion_rate(self) -> float | None:
        return self.conversions / self.users if self.users else None


class RuleSetUnit(abc.ABC):
    """Rule sets and experiments inside one transaction (the caller's block)."""

    @abc.abstractmethod
    async def active_rule_set(self) -> RuleSetRecord: ...

    @abc.abstractmethod
    async def get_rule_set(self, rule_set_id: int) -> RuleSetRecord | None: ...

    @abc.abstractmethod
    async def start_experiment(self, name: str, control_id: int, variant_id: int,
                               share: float, at: datetime) -> Experiment:
        """Stops any running experiment first."""


class RuleSetStore(abc.ABC):
    """The stored rule sets and experiments; each call is its own statement or transaction."""

    @abc.abstractmethod
    async def list_rule_sets(self) -> list[RuleSetRecord]: ...

    @abc.abstractmethod
    async def create_rule_set(self, name: str, document: dict,
                              created_by: uuid.UUID | None) -> RuleSetRecord: ...

    @abc.abstractmethod
    async def activate(self, rule_set_id: int, at: datetime) -> RuleSetRecord | None:
        """None if there is no such rule set."""

    @abc.abstractmethod
    def unit(self) -> AbstractAsyncContextManager[RuleSetUnit]:
        """A transaction, committed when the block ends without raising."""

    @abc.abstractmethod
    async def get_experiment(self, experiment_id: uuid.UUID) -> Experiment | None: ...

    @abc.abstractmethod
    async def arm_results(self, experiment: Experiment) -> list[ArmResult]:
        """Control first, then the variant."""

    @abc.abstractmethod
    async def snapshot_exists(self, version: int) -> bool:
        """Whether a learning snapshot of this version was ever stored."""
