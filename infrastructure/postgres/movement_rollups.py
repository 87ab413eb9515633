"""MovementRollups on the pool: the queue_movement_rollups table and its state row."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from domain.analytics.ports import MovementRollups, RollupReport
from infrastructure.postgres.views import movement_sql as sql

# The planner guesses a third of the table for the events since the last run (a handful)
# and JIT-compiled the statements for that: a few tenths of a second a run.
_NO_JIT = "SET LOCAL jit = off"


class PgMovementRollups(MovementRollups):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def roll_up(self, until: datetime) -> RollupReport:
        """One transaction, so a reader sees the old rollup or the new one whole; the state
        row's lock keeps forget_before out meanwhile."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(sql.LOCK_STATE)
            await conn.execute(_NO_JIT)
            plan = await conn.fetchrow(sql.PLAN, until)
            chosen = [plan[k] or [] for k in ("units", "labels", "starts", "ends")]
            await conn.execute(sql.CLEAR, *chosen[:2])
            status = await conn.execute(sql.FILL, *chosen, plan["snapshot"])
            rolled_until = await conn.fetchval(sql.SAVE, plan["snapshot"], until)
        return RollupReport(len(chosen[0]), int(status.split()[-1]), rolled_until)

    async def forget_before(self, cutoff: datetime) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(sql.LOCK_STATE)
            await conn.execute(sql.FORGET, cutoff)
