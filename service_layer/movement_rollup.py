"""The movement rollup's scheduled run, and what the cleanup owes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.analytics.figures import closed_until
from domain.analytics.ports import MovementRollups, RollupReport


@dataclass(frozen=True)
class MovementRollup:
    store: MovementRollups
    clock: Callable[[], datetime]

    async def run(self) -> RollupReport:
        """Every bucket closed by the start of this hour, new or with late events."""
        return await self.store.roll_up(closed_until(self.clock()))

    async def forget_before(self, cutoff: datetime) -> None:
        """Called before queue events older than ``cutoff`` are deleted."""
        await self.store.forget_before(cutoff)
