"""The account commands' composition root: the dialler's PostgreSQL and the password hasher.

`agents create` and `agents import` need nothing else, so they start nothing else: no
replica, Redis, SQS, Twilio or queue machinery (``bootstrap`` wires all of those).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from domain.agents.passwords import PasswordPolicy
from domain.agents.ports import PresenceStore
from infrastructure.clock import utc_now
from infrastructure.postgres.agent_accounts import PgAccountsUnitOfWork
from infrastructure.postgres.schema_version import database_revision
from infrastructure.security.common_passwords import password_policy
from infrastructure.security.passwords import Argon2PasswordHasher
from infrastructure.settings import DatabaseAddress, Settings


@dataclass
class AccountServices:
    settings: Settings
    database: DatabaseAddress
    embedded_postgres: bool
    pool: asyncpg.Pool
    hasher: Argon2PasswordHasher
    policy: PasswordPolicy
    clock: Callable[[], datetime] = utc_now
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def uow(self) -> PgAccountsUnitOfWork:
        return PgAccountsUnitOfWork(self.pool)

    def presence_store(self) -> PresenceStore:
        """The sessions and leads an account change ends (`agents update`)."""
        from infrastructure.postgres.sessions import PgPresenceStore  # only that command

        return PgPresenceStore(self.pool)

    async def schema_revision(self) -> str | None:
        async with self.pool.acquire() as conn:
            return await database_revision(conn)

    async def close(self) -> None:
        while self.closers:
            await self.closers.pop()()


async def _dialler_database(settings: Settings) -> tuple[DatabaseAddress, Callable]:
    """The configured database, or the embedded one (joining the server `serve` started)."""
    if not settings.embedded_postgres:
        return settings.database, _nothing
    from infrastructure.embedded import EmbeddedPostgres
    from infrastructure.runtime import DIALLER_DATABASE

    server = EmbeddedPostgres(settings.dialler_data_dir)
    try:
        return await server.ensure_database(DIALLER_DATABASE), server.stop
    except BaseException:
        await server.stop()
        raise


async def _nothing() -> None:
    return None


async def bootstrap_accounts(settings: Settings) -> AccountServices:
    database, leave = await _dialler_database(settings)
    try:
        pool = await asyncpg.create_pool(
            database.plain_url, min_size=1, max_size=2, timeout=10,
            server_settings={"application_name": "dialler"})
    except BaseException:
        await leave()
        raise
    services = AccountServices(settings, database, settings.embedded_postgres, pool,
                               Argon2PasswordHasher(), password_policy())
    # Closed in reverse: the embedded server (if this process started it) goes last.
    services.closers += [leave, pool.close]
    return services
