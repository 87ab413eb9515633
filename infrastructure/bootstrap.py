"""The composition root: settings in, wired adapters out. One call per process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from infrastructure.postgres.engine import make_engine, make_session_factory
from infrastructure.postgres.unit_of_work import SqlUnitOfWork
from infrastructure.redis.event_bus import RedisEventBus
from infrastructure.redis.resilient import ResilientRedis
from infrastructure.redis.user_context_cache import UserContextCache
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.reader import ReplicaReader
from infrastructure.runtime import Runtime, resolve_runtime
from infrastructure.security.passwords import Argon2PasswordHasher
from infrastructure.security.tokens import JwtTokenService
from infrastructure.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Everything an entrypoint needs, wired once."""

    settings: Settings
    runtime: Runtime
    engine: AsyncEngine
    uow: Callable[[], SqlUnitOfWork]
    replica: ReplicaReader
    redis: ResilientRedis
    user_context_cache: UserContextCache
    events: RedisEventBus
    hasher: Argon2PasswordHasher
    tokens: JwtTokenService
    clock: Callable[[], datetime] = utc_now
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def readiness(self) -> dict[str, str | None]:
        """Each dependency's problem, or None when it answers."""
        async def postgres() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        checks = {"postgres": postgres, "replica": self.replica.db.ping,
                  "redis": self.redis.ping}
        report: dict[str, str | None] = {}
        for name, check in checks.items():
            try:
                await check()
                report[name] = None
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
                report[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
        return report

    async def close(self) -> None:
        while self.closers:
            await self.closers.pop()()


async def bootstrap(settings: Settings | None = None, *, runtime: Runtime | None = None
                    ) -> Services:
    """Start or reach every dependency the settings name and wire the adapters."""
    settings = settings or Settings()
    runtime = runtime or await resolve_runtime(settings)
    engine = make_engine(runtime.database)
    replica_db = await ReplicaDatabase.open(runtime.replica, read_only=True)
    redis = ResilientRedis(runtime.redis)
    session_factory = make_session_factory(engine)
    services = Services(
        settings=settings, runtime=runtime, engine=engine,
        uow=lambda: SqlUnitOfWork(session_factory),
        replica=ReplicaReader(replica_db), redis=redis,
        user_context_cache=UserContextCache(redis, settings.user_context_ttl_seconds,
                                            settings.redis_key_prefix),
        events=RedisEventBus(redis, settings.redis_key_prefix),
        hasher=Argon2PasswordHasher(),
        tokens=JwtTokenService(runtime.jwt_secret, timedelta(minutes=settings.jwt_expiry_minutes)),
    )
    # Closed in reverse: the embedded server (if any) goes last.
    services.closers += [runtime.close, redis.close, replica_db.close, engine.dispose,
                         services.events.close]
    return services
