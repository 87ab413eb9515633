"""Throwaway databases on the machine's real services, for integration tests.

Every test run creates its own uniquely named databases and drops them at the
end; nothing depends on data left behind. Override the servers with
TEST_POSTGRES_URL / TEST_MYSQL_URL / TEST_REDIS_URL.
"""

from __future__ import annotations

import os
import socket
import uuid

import asyncmy
import asyncpg

from infrastructure.settings import DatabaseAddress

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_URL = os.environ.get("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def create_postgres_database(prefix: str = "dialler_test",
                                   template: str | None = None) -> DatabaseAddress:
    """A new, empty database (or a copy of ``template``)."""
    name = unique_name(prefix)
    copied = f' TEMPLATE "{template}"' if template else ""
    await _postgres_admin(f'CREATE DATABASE "{name}"{copied}')
    return DatabaseAddress(POSTGRES_URL).with_database(name)


# This process's database at the head revision: a test database is copied from it, since
# running every migration took a second of each test's set-up.
_migrated: list[str] = []


async def create_migrated_postgres_database(prefix: str = "dialler_test") -> DatabaseAddress:
    """A new database at the head revision (a copy of the migrated template)."""
    if not _migrated:
        from infrastructure.postgres.engine import make_engine
        from infrastructure.postgres.migrate import migrate

        template = await create_postgres_database("dialler_template")
        engine = make_engine(template, pool_size=1)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()  # a template with a session open cannot be copied
        _migrated.append(template.database)
    return await create_postgres_database(prefix, template=_migrated[0])


async def downgrade(engine, revision: str) -> None:
    """The database of ``engine`` rolled back to ``revision`` (alembic's downgrade)."""
    from alembic import command

    from infrastructure.postgres.migrate import alembic_config

    config = alembic_config()

    def down(sync_conn) -> None:
        config.attributes["connection"] = sync_conn
        command.downgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(down)


async def drop_migrated_template() -> None:
    if _migrated:
        await drop_postgres_database(DatabaseAddress(POSTGRES_URL).with_database(_migrated.pop()))


async def drop_postgres_database(address: DatabaseAddress) -> None:
    await _postgres_admin(f'DROP DATABASE IF EXISTS "{address.database}" WITH (FORCE)')


async def _postgres_admin(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _mysql_admin(sql: str) -> None:
    server = DatabaseAddress(MYSQL_URL)
    conn = await asyncmy.connect(host=server.host, port=server.port, user=server.user,
                                 password=server.password, autocommit=True)
    try:
        async with conn.cursor() as cur:
            await cur.execute(sql)
    finally:
        await conn.ensure_closed()


async def create_mysql_database(prefix: str = "replica_test") -> DatabaseAddress:
    name = unique_name(prefix)
    await _mysql_admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    return DatabaseAddress(MYSQL_URL).with_database(name)


async def drop_mysql_database(address: DatabaseAddress) -> None:
    await _mysql_admin(f"DROP DATABASE IF EXISTS `{address.database}`")


def free_port() -> int:
    """A loopback port where nothing listens (for dependency-down tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def delete_redis_keys(prefix: str) -> None:
    """Removes every key a test wrote under its own prefix."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def insert_agents(conn, count: int, domain: str = "agents.test") -> list:
    """AVAILABLE agents straight into the table, with no usable password (argon2 for
    hundreds would only slow a test or benchmark down); returns their ids."""
    ids = [uuid.uuid4() for _ in range(count)]
    await conn.executemany(
        "INSERT INTO agents (id, email, name, role, password_hash, status, is_active) "
        "VALUES ($1, $2, $3, 'AGENT', 'not-a-login', 'AVAILABLE', true)",
        [(i, f"{i}@{domain}", f"Agent {n}") for n, i in enumerate(ids)])
    return ids
