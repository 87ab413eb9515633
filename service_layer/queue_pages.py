"""Reading the queues as the API shows them: keyset pages and sizes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.queue.model import QueueType
from domain.queue.ports import QueuePage, QueueReads, QueueSize


@dataclass(frozen=True, slots=True)
class QueuePages:
    reads: QueueReads

    async def page(self, queue_type: QueueType, first: int,
                   after: tuple[float, int] | None) -> QueuePage:
        return await self.reads.page(queue_type, first, after)

    async def sizes(self, now: datetime) -> list[QueueSize]:
        return await self.reads.sizes(now)

    async def heads(self, per_queue: int) -> list[int]:
        """The users at the head of every queue (called next)."""
        return await self.reads.heads(per_queue)

    async def counts(self) -> dict[str, int]:
        return await self.reads.counts()
