"""A learning run: the history counted, every estimate worked out, a snapshot stored whole.

A run that fails stores nothing, so the snapshot before it stays the active one.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from domain.calls.outcomes import NOT_REACHED
from domain.learning.ports import LearningStore
from domain.learning.snapshot import UserFacts, learn
from domain.scoring.engine import uk_date


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
        counts = await self.store.counts(sorted(NOT_REACHED))
        users = await self.user_facts()
        learned = learn(counts.by_hour, counts.calls, counts.texts, users, uk_date(now))
        people = len(learned.contact.users.keys() | learned.channels.keys())
        figures = {"users": people, "segments": len(learned.contact.segments),
                   "calls": sum(n for _, n in counts.calls.values()),
                   "texts": sum(n for _, n in counts.texts.values())}
        version = await self.store.save(learned, figures, now)
        return LearnReport(version, people, len(learned.contact.segments),
                           time.perf_counter() - started)
