"""A dialler of the simulation's own: fresh replica and dialler databases on the machine's
services, the population seeded, agents inserted, services bootstrapped on a simulated
clock; copied whole at a quiet moment (fork) and dropped afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from bench.learning_sim.dialler import Clock, Dialler
from bench.learning_sim.population import Population
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.postgres.engine import make_engine
from infrastructure.postgres.migrate import migrate
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.ddl import TABLES, contract_columns, create_replica_tables
from infrastructure.settings import DatabaseAddress, Settings
from tests import services as svc

CALLER_ID = "+441615550100"
AUTOVACUUM_EVERY = 60.0  # wall seconds between rounds: autovacuum's default naptime


@dataclass
class Env:
    replica: DatabaseAddress
    dialler_db: DatabaseAddress
    redis_prefix: str
    clock: Clock
    services: Services | None = None
    writer: ReplicaDatabase | None = None
    dialler: Dialler | None = None

    def settings(self) -> Settings:
        return Settings(
            database_url=self.dialler_db.plain_url, replica_database_url=self.replica.plain_url,
            redis_url=svc.REDIS_URL, jwt_secret="b" * 48, redis_key_prefix=self.redis_prefix,
            log_json=True, log_level="ERROR", rebuild_processes=1, twilio_caller_id=CALLER_ID,
            pg_pool_size=30)  # room for BATCH_MAX agents at once, two connections each

    async def start(self) -> None:
        """Services and the replica writer over the databases."""
        self.services = await bootstrap(self.settings(), clock=self.clock)
        self.writer = await ReplicaDatabase.open(self.replica, read_only=False)
        if self.dialler is None:
            self.dialler = Dialler(self.services, self.clock, self.writer,
                                   self.services.settings.replica_schema
                                   or self.replica.database)
        else:  # restarted: the same dialler (its counts and call sids go on) on new services
            self.dialler.services, self.dialler.replica = self.services, self.writer

    async def stop(self) -> None:
        if self.services:
            await self.services.close()
            self.services = None
        if self.writer:
            await self.writer.close()
            self.writer = None

    async def vacuum(self) -> None:
        """Dead rows reclaimed and the planner's statistics renewed, as autovacuum does."""
        async with self.services.pg.acquire() as conn:
            await conn.execute("VACUUM (ANALYZE)")

    async def drop(self) -> None:
        await self.stop()
        await svc.delete_redis_keys(self.redis_prefix)
        await svc.drop_mysql_database(self.replica)
        await svc.drop_postgres_database(self.dialler_db)


@contextlib.asynccontextmanager
async def autovacuum(*envs: Env, every: float = AUTOVACUUM_EVERY) -> AsyncIterator[None]:
    """In service autovacuum keeps the dialler's tables vacuumed and analysed; this machine's
    PostgreSQL has it off. Without it a day's leases and queue writes leave every nextLead
    reading thousands of dead rows, on plans made without statistics (the fork's copy has
    none at all), and the run measures that rather than the dialler: so each database is
    vacuumed every ``every`` seconds while the floor runs, and once on leaving."""
    async def rounds() -> None:
        while True:
            await asyncio.sleep(every)
            for env in envs:
                await env.vacuum()

    task = asyncio.create_task(rounds())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for env in envs:
        await env.vacuum()


async def _throwaway(database: str) -> None:
    """A benchmark's database needs no durability: commits do not wait for the WAL flush
    (the statements the dialler runs are the same; only this database's setting)."""
    conn = await asyncpg.connect(svc.POSTGRES_URL)
    try:
        await conn.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
    finally:
        await conn.close()


def _prefix() -> str:
    return f"bench-learning-{uuid.uuid4().hex[:6]}:"


async def create(population: Population, agents: int, start: datetime) -> tuple[Env, list]:
    """A seeded, migrated, started dialler with ``agents`` agents; (env, agent ids)."""
    env = Env(await svc.create_mysql_database("bench_learning_replica"),
              await svc.create_postgres_database("bench_learning"), _prefix(), Clock(start))
    writer = await ReplicaDatabase.open(env.replica, read_only=False)
    try:
        await create_replica_tables(writer)
        columns = contract_columns()
        for table, rows in population.rows.items():
            await writer.insert_rows(table, columns[table], rows)
    finally:
        await writer.close()
    await _throwaway(env.dialler_db.database)
    engine = make_engine(env.dialler_db, pool_size=1)
    await migrate(engine)
    await engine.dispose()
    await env.start()
    async with env.services.pg.acquire() as conn:
        ids = await svc.insert_agents(conn, agents, domain="floor.bench")
    return env, ids


async def fork(env: Env) -> Env:
    """A copy of ``env``'s databases as they stand (PostgreSQL from the database as a
    template, the replica table by table), both started; ``env`` is restarted."""
    await env.stop()
    copy = Env(await svc.create_mysql_database("bench_learning_replica"),
               svc.DatabaseAddress(svc.POSTGRES_URL).with_database(
                   svc.unique_name("bench_learning")), _prefix(), Clock(env.clock.now))
    conn = await asyncpg.connect(svc.POSTGRES_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{copy.dialler_db.database}" '
                           f'TEMPLATE "{env.dialler_db.database}"')
    finally:
        await conn.close()
    await _throwaway(copy.dialler_db.database)
    writer = await ReplicaDatabase.open(copy.replica, read_only=False)
    try:
        for table in TABLES:
            await writer.execute(f"CREATE TABLE {table} LIKE `{env.replica.database}`.{table}")
            await writer.execute(f"INSERT INTO {table} SELECT * FROM "
                                 f"`{env.replica.database}`.{table}")
    finally:
        await writer.close()
    await env.start()
    await copy.start()
    copy.dialler.sids = itertools.count(next(env.dialler.sids))  # the same sids follow
    copy.dialler.calls = Counter(env.dialler.calls)  # the shared days count in both
    copy.dialler.seconds = Counter(env.dialler.seconds)
    return copy
