"""A learning run: the history counted, every estimate worked out, a snapshot stored whole.

A run that fails stores nothing, so the snapshot before it stays the active one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from domain.calls.outcomes import NOT_REACHED, CallOutcome
from domain.learning.conversions import ConversionCounts
from domain.learning.ports import LearningStore
from domain.learning.segments import Segment
from domain.learning.snapshot import UserFacts, conversion_segments, learn
from domain.scoring.engine import uk_date

A, B = TypeVar("A"), TypeVar("B")


@dataclass(frozen=True, slots=True)
class LearnReport:
    version: int
    users: int  # with calls or texts of their own
    segments: int
    seconds: float


@dataclass(frozen=True)
class Learning:
    store: LearningStore
    user_facts: Callable[[], Awaitable[dict[int, UserFacts]]]  # the replica's, every user
    clock: Callable[[], datetime]

    async def run(self) -> LearnReport:
        started, now = time.perf_counter(), self.clock()
        not_reached, today = sorted(NOT_REACHED), uk_date(now)
        # The hourly counts (PostgreSQL's longest statement) run while the replica is read
        # and conversions are counted on a second connection.
        counts, (segments, converted) = await _alongside(
            self.store.counts(not_reached), self._conversions(not_reached, today))
        learned = learn(counts.by_hour, counts.calls, counts.texts, segments, converted,
                        counts.after_misses)
        people = len(learned.contact.users.keys() | learned.channels.keys())
        figures = {"users": people, "segments": len(learned.contact.segments),
                   "calls": sum(n for _, n in counts.calls.values()),
                   "texts": sum(n for _, n in counts.texts.values()),
                   "conversion_segments": len(learned.conversions.segments),
                   "agent_rates": len(learned.agents),
                   "spacing": {g.label: round(g.ratio, 3) for g in learned.spacing.values()}}
        version = await self.store.save(learned, figures, now)
        return LearnReport(version, people, len(learned.contact.segments),
                           time.perf_counter() - started)

    async def _conversions(self, not_reached: list[CallOutcome], today: date
                           ) -> tuple[dict[int, Segment], ConversionCounts]:
        """Every user's segment from the replica, and the conversions counted in them."""
        segments = conversion_segments(await self.user_facts(), today)
        return segments, await self.store.conversions(not_reached, segments)


async def _alongside(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Both at once; when ``second`` fails, ``first`` is cancelled and the failure raised is
    ``second``'s (a run stops at its first failure, as it would one after the other)."""
    task = asyncio.ensure_future(first)
    try:
        other = await second
    except BaseException:
        task.cancel()
        await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # looked at, so it is not reported as never retrieved
        raise
    return await task, other
