"""The dialler database's async engine and session factory."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from infrastructure.settings import DatabaseAddress


def make_engine(address: DatabaseAddress, pool_size: int = 10) -> AsyncEngine:
    # pool_pre_ping: a PostgreSQL restart is survived by reconnecting.
    return create_async_engine(
        address.sqlalchemy_url, pool_size=pool_size, max_overflow=pool_size,
        pool_pre_ping=True, pool_recycle=1800,
        connect_args={"server_settings": {"application_name": "dialler"}, "timeout": 5},
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
