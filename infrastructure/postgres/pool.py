"""The asyncpg pool for the hot and bulk paths, counting its statements."""

from __future__ import annotations

import asyncpg

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


async def create_pool(address: DatabaseAddress, counter: StatementCounter,
                      max_size: int = 20) -> asyncpg.Pool:
    return await asyncpg.create_pool(address.plain_url, min_size=1, max_size=max_size,
                                     command_timeout=60, init=counter.attach,
                                     reset=_keep_session)
