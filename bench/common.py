"""Shared set-up for benchmarks: throwaway databases on the local services, percentiles."""

from __future__ import annotations

import statistics
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.agents.model import Role  # noqa: E402
from domain.agents.sessions import Principal  # noqa: E402
from infrastructure.postgres.engine import make_engine  # noqa: E402
from infrastructure.postgres.migrate import migrate  # noqa: E402
from infrastructure.replica.database import ReplicaDatabase  # noqa: E402
from infrastructure.replica.seed import seed_replica  # noqa: E402
from infrastructure.settings import DatabaseAddress, Settings  # noqa: E402
from tests import services as svc  # noqa: E402


def percentiles(samples: list[float], unit: float = 1000.0, label: str = "ms") -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * unit  # noqa: E731
    return (f"n={len(ordered)} p50={statistics.median(ordered) * unit:.2f} {label} "
            f"p95={pick(0.95):.2f} {label} p99={pick(0.99):.2f} {label} "
            f"max={ordered[-1] * unit:.2f} {label}")


async def databases(users: int, seed: int = 7, replica_url: str | None = None,
                    migrated: bool = True) -> tuple[DatabaseAddress, DatabaseAddress, bool]:
    """(replica, dialler, replica_is_ours): a seeded replica (or a kept one) and a fresh
    dialler database, migrated unless the caller's own server will do it."""
    ours = replica_url is None
    replica = await svc.create_mysql_database("bench_replica") if ours \
        else DatabaseAddress(replica_url)
    if ours:
        db = await ReplicaDatabase.open(replica, read_only=False)
        print(f"seeded {await seed_replica(db, users, seed=seed)}", flush=True)
        await db.close()
    dialler = await svc.create_postgres_database("bench_dialler")
    if not migrated:
        return replica, dialler, ours
    engine = make_engine(dialler, pool_size=1)
    await migrate(engine)
    await engine.dispose()
    return replica, dialler, ours


async def new_agent(services, role: Role) -> tuple[uuid.UUID, str]:
    """(id, token) of an agent made here: a token's agent must exist and be active."""
    agent_id = uuid.uuid4()
    async with services.pg.acquire() as conn:
        await conn.execute(
            "INSERT INTO agents (id, email, name, role, password_hash, is_active) "
            "VALUES ($1, $2, 'Bench', $3, 'x', true)", agent_id, f"{agent_id}@bench.local",
            role.value)
    return agent_id, services.tokens.issue(Principal(agent_id, role)).token


async def token_for_new_agent(services, role: Role) -> str:
    return (await new_agent(services, role))[1]


def settings_for(replica: DatabaseAddress, dialler: DatabaseAddress, **extra) -> Settings:
    return Settings(database_url=dialler.plain_url, replica_database_url=replica.plain_url,
                    redis_url=svc.REDIS_URL, jwt_secret="b" * 48,
                    redis_key_prefix=f"bench-{uuid.uuid4().hex[:6]}:", log_json=True,
                    log_level="WARNING", **extra)


async def drop(replica: DatabaseAddress, dialler: DatabaseAddress, replica_is_ours: bool,
               redis_prefix: str | None = None) -> None:
    if redis_prefix:
        await svc.delete_redis_keys(redis_prefix)
    if replica_is_ours:
        await svc.drop_mysql_database(replica)
    await svc.drop_postgres_database(dialler)
