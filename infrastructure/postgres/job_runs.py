"""JobRunStore on the pool: the job_runs table and the job leases."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.sync.ports import JobRunStore
from domain.sync.reconcile import ReconcileState
from infrastructure.postgres.locks import job_lock

# (table, time column, extra condition) pruned by the daily cleanup, in this order
_PRUNED = (
    ("queue_events", "occurred_at", ""),
    ("cdc_seen", "seen_at", ""),
    ("webhook_receipts", "received_at", ""),
    ("dead_letters", "received_at", "AND replayed_at IS NOT NULL"),
    ("job_runs", "started_at", ""),
)


# A finished reconciliation keeps its watermark (and whether it was a full sweep) in its
# figures: one that failed or was cut short moves neither.
_RECONCILE_STATE = """
SELECT (SELECT (figures->>'watermark')::timestamptz FROM job_runs
         WHERE job = 'reconcile' AND status = 'DONE' AND figures->>'watermark' IS NOT NULL
         ORDER BY started_at DESC, id DESC LIMIT 1) AS watermark,
       (SELECT max(started_at) FROM job_runs
         WHERE job = 'reconcile' AND status = 'DONE'
           AND (figures->>'full')::boolean IS TRUE) AS last_full
"""


@dataclass(frozen=True, slots=True)
class PgJobRuns(JobRunStore):
    pool: asyncpg.Pool

    def held(self, name: str) -> AbstractAsyncContextManager[bool]:
        return job_lock(self.pool, name)

    async def last_reconcile_done(self) -> datetime | None:
        return await self.pool.fetchval(
            "SELECT max(started_at) FROM job_runs WHERE job = 'reconcile' AND status = 'DONE'")

    async def reconcile_state(self) -> ReconcileState:
        row = await self.pool.fetchrow(_RECONCILE_STATE)
        return ReconcileState(row["watermark"], row["last_full"])

    async def last_started(self, job: str) -> datetime | None:
        return await self.pool.fetchval("SELECT max(started_at) FROM job_runs WHERE job = $1",
                                        job)

    async def start(self, job: str, at: datetime) -> int:
        return await self.pool.fetchval(
            "INSERT INTO job_runs (job, started_at, status) VALUES ($1, $2, 'RUNNING') "
            "RETURNING id", job, at)

    async def finish(self, run_id: int, at: datetime, status: str, drift: int | None,
                     figures: dict | None, error: str | None) -> None:
        await self.pool.execute(
            "UPDATE job_runs SET finished_at = $2, status = $3, drift = $4, "
            "figures = $5::jsonb, error = $6 WHERE id = $1", run_id, at, status, drift,
            json.dumps(figures, default=str) if figures is not None else None, error)

    async def prune(self, cutoffs: Mapping[str, datetime]) -> dict[str, int]:
        removed: dict[str, int] = {}
        for table, column, extra in _PRUNED:
            status = await self.pool.execute(
                f"DELETE FROM {table} WHERE {column} < $1 {extra}",  # noqa: S608 - fixed
                cutoffs[table])
            removed[table] = int(status.split()[-1])
        return removed

    async def mark_replayed(self, message_id: str, at: datetime) -> None:
        await self.pool.execute(
            "UPDATE dead_letters SET replayed_at = $2 WHERE message_id = $1 "
            "AND replayed_at IS NULL", message_id, at)
