"""Getting the embedded default ready on first start: schema, demo data, demo login."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

# Imported where used: every command imports this module, few need the replica or Alembic.
if TYPE_CHECKING:
    from infrastructure.bootstrap import Services
    from infrastructure.bootstrap_accounts import AccountServices
    from infrastructure.bootstrap_queues import QueueCommandServices
    from infrastructure.settings import DatabaseAddress

DEMO_USERS = 2_000
DEMO_SUPERVISOR = "supervisor@demo.local"


async def ensure_schema(services: Services) -> None:
    """Migrate the embedded database; a configured one must be migrated by its operator."""
    from infrastructure.postgres.migrate import current_revision, head_revision, migrate

    if services.runtime.embedded_postgres:
        await migrate(services.engine)
        return
    _refuse_stale(await current_revision(services.engine), head_revision())


async def ensure_account_schema(accounts: AccountServices) -> None:
    """As ensure_schema, loading Alembic only when the embedded database needs migrating."""
    await _ensure_head(await accounts.schema_revision(), accounts.embedded_postgres,
                       accounts.database)


async def ensure_queue_schema(services: QueueCommandServices) -> None:
    """As ensure_account_schema, for the queue commands."""
    await _ensure_head(await services.schema_revision(), services.runtime.embedded_postgres,
                       services.runtime.database)


async def _ensure_head(current: str | None, embedded: bool, database: DatabaseAddress) -> None:
    from infrastructure.postgres.schema_version import script_head

    head = script_head()
    if current == head:
        return
    if not embedded:
        _refuse_stale(current, head)
    from infrastructure.postgres.engine import make_engine
    from infrastructure.postgres.migrate import migrate

    engine = make_engine(database, pool_size=1)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def _refuse_stale(current: str | None, head: str | None) -> None:
    if current != head:
        raise SystemExit(f"the dialler database is at revision {current or 'none'}, this code "
                         f"needs {head}: run `dialler db migrate` first")


async def demo_replica_needs_data(services: Services) -> bool:
    """True when this process uses the demo replica and it has no users yet."""
    from infrastructure.replica.database import ReplicaDatabase
    from infrastructure.replica.ddl import create_replica_tables
    from infrastructure.replica.user_census import ReplicaUserCensus

    if not services.runtime.demo_replica:
        return False
    db = await ReplicaDatabase.open(services.runtime.replica, read_only=False, max_size=1)
    try:
        await create_replica_tables(db)
        return not await ReplicaUserCensus(db).user_count()
    finally:
        await db.close()


async def fill_demo_replica(services: Services, progress=None) -> int:
    from infrastructure.replica.database import ReplicaDatabase
    from infrastructure.replica.seed import seed_replica

    db = await ReplicaDatabase.open(services.runtime.replica, read_only=False)
    try:
        return (await seed_replica(db, DEMO_USERS, seed=1, progress=progress)).users
    finally:
        await db.close()


async def ensure_demo_supervisor(services: Services) -> tuple[str, str] | None:
    """On the embedded default, a supervisor to log in as; its password kept in the data dir."""
    import secrets

    from domain.agents.model import InvalidAgent
    from service_layer.agents import create_agent

    if not services.runtime.embedded_postgres:
        return None
    path = Path(services.settings.dialler_data_dir) / "demo_login"
    if path.exists():
        email, password = path.read_text().split("\n")[:2]
        return email, password
    password = secrets.token_urlsafe(12)
    try:
        await create_agent(services.uow(), services.hasher, policy=services.password_policy,
                           email=DEMO_SUPERVISOR,
                           password=password, name="Demo Supervisor", role="SUPERVISOR",
                           at=services.clock())
    except InvalidAgent:
        return None  # created earlier and its password file removed: nothing to show
    path.write_text(f"{DEMO_SUPERVISOR}\n{password}\n")
    path.chmod(0o600)
    return DEMO_SUPERVISOR, password
