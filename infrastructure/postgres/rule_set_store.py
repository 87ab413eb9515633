"""RuleSetStore on the pool: each call takes a connection (and a transaction when it writes)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.scoring.ports import ArmResult, RuleSetStore, RuleSetUnit
from domain.scoring.records import Experiment, RuleSetRecord
from infrastructure.postgres import rule_sets
from infrastructure.postgres.views import experiment_results


@dataclass(frozen=True, slots=True)
class PgRuleSetUnit(RuleSetUnit):
    conn: asyncpg.Connection

    async def active_rule_set(self) -> RuleSetRecord:
        return await rule_sets.active_rule_set(self.conn)

    async def get_rule_set(self, rule_set_id: int) -> RuleSetRecord | None:
        return await rule_sets.get_rule_set(self.conn, rule_set_id)

    async def start_experiment(self, name: str, control_id: int, variant_id: int,
                               share: float, at: datetime) -> Experiment:
        return await rule_sets.start_experiment(self.conn, name, control_id, variant_id,
                                                share, at)


@dataclass(frozen=True, slots=True)
class PgRuleSetStore(RuleSetStore):
    pool: asyncpg.Pool

    async def list_rule_sets(self) -> list[RuleSetRecord]:
        async with self.pool.acquire() as conn:
            return await rule_sets.list_rule_sets(conn)

    async def create_rule_set(self, name: str, document: dict,
                              created_by: uuid.UUID | None) -> RuleSetRecord:
        async with self.pool.acquire() as conn, conn.transaction():
            return await rule_sets.create_rule_set(conn, name, document, created_by)

    async def activate(self, rule_set_id: int, at: datetime) -> RuleSetRecord | None:
        async with self.pool.acquire() as conn, conn.transaction():
            return await rule_sets.activate(conn, rule_set_id, at)

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[PgRuleSetUnit]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgRuleSetUnit(conn)

    async def get_experiment(self, experiment_id: uuid.UUID) -> Experiment | None:
        async with self.pool.acquire() as conn:
            return await rule_sets.get_experiment(conn, experiment_id)

    async def arm_results(self, experiment: Experiment) -> list[ArmResult]:
        async with self.pool.acquire() as conn:
            return await experiment_results.arm_results(conn, experiment)

    async def snapshot_exists(self, version: int) -> bool:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM learning_snapshots WHERE version = $1)", version)
