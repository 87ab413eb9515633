"""Work a request starts but does not wait for (a rescore after new rules), kept track of
so that shutdown and tests can wait for it and failures are logged, not lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine

log = logging.getLogger(__name__)


class BackgroundJobs:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def spawn(self, job: Coroutine, name: str) -> None:
        task = asyncio.get_running_loop().create_task(job, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background job %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Waits for every job started so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
