"""The asyncpg pool for the hot and bulk paths: counted, bounded waits, no nested use."""

from __future__ import annotations

import asyncpg

from infrastructure.postgres.pool_guard import (
    ServiceBusy,
    note_acquired,
    note_acquiring,
    note_released,
)
from infrastructure.settings import DatabaseAddress


class StatementCounter:
    """Statements sent through the pool: benchmarks and tests use it to catch N+1 reads."""

    def __init__(self) -> None:
        self.count = 0

    async def attach(self, conn: asyncpg.Connection) -> None:
        conn.add_query_logger(self._seen)

    def _seen(self, _query) -> None:
        self.count += 1


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Skips asyncpg's reset round trip (UNLISTEN, RESET ALL, …) on every release: this
    pool's users leave no session state behind — transaction-scoped advisory locks only,
    no LISTEN, no SET, no cursors outside a transaction, and bulk temp tables
    that empty themselves at commit."""


class GuardedPool(asyncpg.Pool):
    """A pool whose waits are bounded (ServiceBusy) and that refuses nested acquisition.

    A task holding one of its connections never waits for a second one: with every
    connection held by such a task, all of them would wait forever.
    """

    def __init__(self, *args, acquire_timeout: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout

    async def _acquire(self, timeout):  # noqa: ASYNC109 - asyncpg's own signature
        note_acquiring("the PostgreSQL pool")
        try:
            connection = await super()._acquire(
                self.acquire_timeout if timeout is None else timeout)
        except TimeoutError:
            raise ServiceBusy("every PostgreSQL connection is busy") from None
        note_acquired(connection)
        return connection

    async def release(self, connection, *, timeout=None):  # noqa: ASYNC109 - as asyncpg's
        note_released(connection)
        return await super().release(connection, timeout=timeout)


async def create_pool(address: DatabaseAddress, counter: StatementCounter,
                      max_size: int = 20, *, min_size: int = 1, acquire_timeout: float = 5.0,
                      command_timeout: float = 60.0) -> GuardedPool:
    pool = GuardedPool(
        address.plain_url, connection_class=asyncpg.Connection, record_class=asyncpg.Record,
        init_size=min_size, min_size=min_size, max_size=max_size, max_queries=50_000,
        max_inactive_connection_lifetime=300.0, loop=None, connect=None, setup=None,
        init=counter.attach, reset=_keep_session, command_timeout=command_timeout,
        acquire_timeout=acquire_timeout)
    return await pool
