"""Apply the dialler database's Alembic migrations, one process at a time."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_KEY = 7_301_944_221  # any constant: serialises concurrent `db migrate` runs


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def migrate(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Upgrade to ``revision``; returns the revision the database is at afterwards."""
    return await _under_lock(engine, command.upgrade, revision)


async def _under_lock(engine: AsyncEngine, step, revision: str) -> str | None:
    """Alembic's ``step`` (upgrade or downgrade) to ``revision``, one process at a time;
    the revision the database is at afterwards."""
    config = alembic_config()

    def run(sync_conn) -> str | None:
        config.attributes["connection"] = sync_conn
        step(config, revision)
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        return await conn.run_sync(run)


async def roll_back(engine: AsyncEngine, revision: str) -> str | None:
    """Downgrade to ``revision`` (an id, or "-1" for one step back) under the same lock as
    migrate; returns the revision the database is at afterwards (None: before the first)."""
    return await _under_lock(engine, command.downgrade, revision)


def is_backwards(target: str, current: str | None) -> bool:
    """Whether reaching ``target`` from ``current`` is a downgrade ("-N", or an older id)."""
    if target.startswith("-"):
        return True
    if target == "head" or current is None:
        return False
    script = ScriptDirectory.from_config(alembic_config())
    return script.get_revision(target) is not None and any(
        r.revision == target for r in script.iterate_revisions(current, "base"))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda c: MigrationContext.configure(c).get_current_revision())
