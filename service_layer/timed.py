"""Queue changes that come with time: callbacks falling due, scores drifting with days."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from service_layer.queues import QueueMaintainer

log = logging.getLogger(__name__)
DueUsers = Callable[[datetime, datetime], Awaitable[list[int]]]
Lock = Callable[[str], contextlib.AbstractAsyncContextManager[bool]]


@dataclass
class QueueTimers:
    """Runs in one process at a time (the lock says which); each tick is cheap."""

    queues: QueueMaintainer
    due_users: DueUsers
    lock: Lock
    clock: Callable[[], datetime]
    callback_every: float = 5.0
    rescore_every: timedelta = timedelta(minutes=5)

    async def tick(self, since: datetime, last_rescore: datetime | None
                   ) -> tuple[datetime, datetime | None]:
        now = self.clock()
        async with self.lock("queue-timers") as held:
            if not held:
                return now, last_rescore
            due = await self.due_users(since, now)
            if due:
                await self.queues.recompute(due, "callback due")
            if last_rescore is None or now - last_rescore >= self.rescore_every:
                await self.queues.rebuild()
                last_rescore = now
        return now, last_rescore

    async def run(self, stop: asyncio.Event) -> None:
        since, last_rescore = self.clock() - timedelta(days=1), None
        while not stop.is_set():
            try:
                since, last_rescore = await self.tick(since, last_rescore)
            except Exception:  # noqa: BLE001 - a failed tick is retried on the next one
                log.exception("queue timer tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.callback_every)
