"""The dialler database's async engine and session factory."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from infrastructure.postgres.pool_guard import (
    ServiceBusy,
    note_acquired,
    note_acquiring,
    note_released,
)
from infrastructure.settings import DatabaseAddress

__all__ = ["PoolTimeout", "ServiceBusy", "make_engine", "make_session_factory"]


def make_engine(address: DatabaseAddress, pool_size: int = 10, *,
                acquire_timeout: float = 5.0, command_timeout: float = 60.0) -> AsyncEngine:
    # pool_pre_ping: a PostgreSQL restart is survived by reconnecting.
    engine = create_async_engine(
        address.sqlalchemy_url, pool_size=pool_size, max_overflow=pool_size,
        pool_timeout=acquire_timeout, pool_pre_ping=True, pool_recycle=1800,
        connect_args={"server_settings": {"application_name": "dialler"}, "timeout": 5,
                      "command_timeout": command_timeout},
    )
    _guard(engine)
    return engine


def _guard(engine: AsyncEngine) -> None:
    """Counts the engine's connections with the pool's, so nesting across both is caught."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkout")
    def _out(_dbapi, record, _proxy) -> None:
        note_acquiring("the SQLAlchemy pool")
        note_acquired(record)

    @event.listens_for(pool, "checkin")
    def _in(_dbapi, record) -> None:
        note_released(record)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
