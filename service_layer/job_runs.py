"""The scheduled jobs' bookkeeping: one runner per job at a time, when it last ran, each run."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.sync.ports import JobRunStore, ReplicaCensus
from domain.sync.reconcile import ReconcileState


@dataclass(frozen=True, slots=True)
class JobRuns:
    store: JobRunStore
    census: ReplicaCensus

    def held(self, job: str) -> AbstractAsyncContextManager[bool]:
        """True for the block when this process runs ``job``, False when another does."""
        return self.store.held(f"job:{job}")

    async def last_reconcile_done(self) -> datetime | None:
        return await self.store.last_reconcile_done()

    async def reconcile_state(self) -> ReconcileState:
        return await self.store.reconcile_state()

    async def due(self, job: str, now: datetime, every: timedelta | None) -> bool:
        """Never run, unscheduled (``every`` None), or ``every`` passed since it last started."""
        last = await self.store.last_started(job)
        return last is None or every is None or now - last >= every

    async def start(self, job: str, at: datetime) -> int:
        return await self.store.start(job, at)

    async def finish(self, run_id: int, at: datetime, status: str, *, drift: int | None = None,
                     figures: dict | None = None, error: str | None = None) -> None:
        await self.store.finish(run_id, at, status, drift, figures, error)

    async def prune(self, cutoffs: Mapping[str, datetime]) -> dict[str, int]:
        """Deletes each table's rows older than its cutoff; rows removed per table."""
        return await self.store.prune(cutoffs)

    async def mark_replayed(self, message_id: str, at: datetime) -> None:
        await self.store.mark_replayed(message_id, at)

    async def replica_users(self) -> int:
        return await self.census.user_count()
