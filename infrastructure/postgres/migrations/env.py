"""Alembic environment: runs on a connection handed over by infrastructure.postgres.migrate."""

from alembic import context
from sqlmodel import SQLModel

import infrastructure.postgres.all_tables  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `dialler db migrate`")
    context.configure(connection=connection, target_metadata=target_metadata,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported")
run_migrations_online()
