"""Queue changes that come with time: callbacks falling due, scores drifting with days.

Scores drift only at known times (domain.scoring.drift); each entry keeps the next one,
and every minute the entries whose time has come are scored again from the facts kept
with them, without a rebuild or a replica read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.queue.model import MovementCause
from service_layer import periodic
from service_layer.queues import QueueMaintainer
from service_layer.schedule import Schedule, due, known

DueUsers = Callable[[datetime, datetime], Awaitable[list[int]]]
LOCK = "queue-timers"
CALLBACKS = "queue-timers:callbacks"  # how far due callbacks have been scanned
RESCORE = "queue-timers:rescore"  # the last rescore
FIRST_LOOK_BACK = timedelta(days=1)
# A change's own recompute normally follows within milliseconds; older owed ones failed.
CATCH_UP_AFTER = timedelta(seconds=2)


@dataclass(frozen=True, slots=True)
class TimerReport:
    due: int = 0
    rescored: int | None = None  # entries scored again with time; None: not this tick
    caught_up: int = 0


@dataclass
class QueueTimers:
    """One process at a time (the lock says which) with the schedule in shared marks, so
    N processes scan each callback once and rescore once per period; each tick is cheap.
    Each tick also recomputes users whose change committed but whose queue update did not
    (it met a busy pool or a replica that was down)."""

    queues: QueueMaintainer
    due_users: DueUsers
    schedule: Schedule
    clock: Callable[[], datetime]
    callback_every: float = 5.0
    rescore_every: timedelta = timedelta(minutes=1)

    async def tick(self, *, on_schedule: bool = False) -> TimerReport | None:
        """Moves users whose callback fell due since the last scan (by any process) and
        rescores when due. None when another process has the timers, or (``on_schedule``)
        when one of them scanned less than ``callback_every`` ago."""
        now = self.clock()
        async with self.schedule.lock(LOCK) as held:
            if not held:
                return None
            since = known(await self.schedule.last(CALLBACKS), now)
            if on_schedule and not due(since, now, timedelta(seconds=self.callback_every)):
                return None
            moved = await self._callbacks(since, now)
            caught_up = (await self.queues.catch_up(now - CATCH_UP_AFTER)).users
            return TimerReport(moved, await self._rescore(now), caught_up)

    async def _callbacks(self, since: datetime | None, now: datetime) -> int:
        start = now - FIRST_LOOK_BACK if since is None else min(since, now)
        users = await self.due_users(start, now)
        if users:
            await self.queues.recompute(users, "callback due", MovementCause.CALLBACK_DUE)
        # Never backwards: a clock slightly behind the last scanner's re-scans nothing.
        if since is None or since < now:
            await self.schedule.mark(CALLBACKS, now)
        return len(users)

    async def _rescore(self, now: datetime) -> int | None:
        """The due entries scored again; the very first time (no rescore ever marked), a
        full rebuild, which gives every entry its time and facts to rescore from."""
        last = known(await self.schedule.last(RESCORE), now)
        if not due(last, now, self.rescore_every):
            return None
        report = await (self.queues.rebuild() if last is None else self.queues.rescore_due())
        await self.schedule.mark(RESCORE, now)
        return report.users

    async def run(self, stop: asyncio.Event) -> None:
        await periodic.every(self.callback_every, lambda: self.tick(on_schedule=True), stop,
                             name="queue timer")
