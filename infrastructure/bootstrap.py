"""The composition root: settings in, wired adapters out. One call per process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from infrastructure.postgres.agent_accounts import PgAgentProfiles
from infrastructure.postgres.conversions import record_conversions
from infrastructure.postgres.dispositions import PgCallbackStore, users_due_between
from infrastructure.postgres.engine import make_engine, make_session_factory
from infrastructure.postgres.leads import PgLeaseStore
from infrastructure.postgres.locks import PgSchedule
from infrastructure.postgres.pool import StatementCounter, create_pool
from infrastructure.postgres.queue_stores import PgQueueStores
from infrastructure.postgres.rule_sets import RuleBook
from infrastructure.postgres.sync_store import PgSyncStore
from infrastructure.postgres.unit_of_work import SqlUnitOfWork
from infrastructure.redis.event_bus import RedisEventBus
from infrastructure.redis.resilient import ResilientRedis
from infrastructure.redis.user_context_cache import UserContextCache
from infrastructure.replica.change_lookups import ChangeLookups
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.queue_facts import ReplicaFactsReader
from infrastructure.replica.reader import ReplicaReader
from infrastructure.runtime import Runtime, resolve_runtime
from infrastructure.security.passwords import Argon2PasswordHasher
from infrastructure.security.tokens import JwtTokenService
from infrastructure.settings import Settings
from infrastructure.wiring import wire_communications
from service_layer.background import BackgroundJobs
from service_layer.cdc import ChangeApplier
from service_layer.dispositions import CallOutcomes
from service_layer.queues import QueueMaintainer
from service_layer.timed import QueueTimers

if TYPE_CHECKING:
    from infrastructure.twilio.rest import TwilioRest
    from service_layer.analytics import SupervisorAnalytics
    from service_layer.follow_ups import Messaging
    from service_layer.magic_links import MagicLinks
    from service_layer.sessions import Presence
    from service_layer.voice import VoiceCalls


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
    pg: asyncpg.Pool
    pg_statements: StatementCounter
    queues: QueueMaintainer
    leases: PgLeaseStore
    agent_profiles: PgAgentProfiles
    outcomes: CallOutcomes
    timers: QueueTimers
    background: BackgroundJobs
    redis: ResilientRedis
    user_context_cache: UserContextCache
    events: RedisEventBus
    hasher: Argon2PasswordHasher
    tokens: JwtTokenService
    # Each area below adds its own fields here (keep them grouped under its comment).
    # --- sync worker (issue 4) ---
    sync_store: PgSyncStore
    changes: ChangeApplier
    # --- calls and voice (issue 5) ---
    voice: VoiceCalls = field(init=False)
    # --- SMS, follow-ups and magic links (issue 5) ---
    twilio: TwilioRest = field(init=False)
    sms: Messaging = field(init=False)
    # --- magic links (issue 5) ---
    magic_links: MagicLinks = field(init=False)
    # --- agent sessions and supervisor (issue 5) ---
    presence: Presence = field(init=False)
    analytics: SupervisorAnalytics = field(init=False)
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


async def bootstrap(settings: Settings | None = None, *, runtime: Runtime | None = None,
                    clock: Callable[[], datetime] = utc_now) -> Services:
    """Start or reach every dependency the settings name and wire the adapters."""
    settings = settings or Settings()
    runtime = runtime or await resolve_runtime(settings)
    engine = make_engine(runtime.database, max(2, settings.pg_pool_size // 4),
                         acquire_timeout=settings.pg_acquire_timeout_seconds,
                         command_timeout=settings.pg_command_timeout_seconds)
    replica_db = await ReplicaDatabase.open(runtime.replica, read_only=True)
    redis = ResilientRedis(runtime.redis)
    session_factory = make_session_factory(engine)
    # asyncpg directly for the hot and bulk paths (leases, queue pages, rebuilds).
    pg_statements = StatementCounter()
    pg = await create_pool(runtime.database, pg_statements, settings.pg_pool_size,
                           acquire_timeout=settings.pg_acquire_timeout_seconds,
                           command_timeout=settings.pg_command_timeout_seconds)
    events = RedisEventBus(redis, settings.redis_key_prefix)
    rule_book = RuleBook()  # one per process: every reader of the rules shares its parse
    stores = PgQueueStores(pg, rule_book, lock_wait_seconds=settings.queue_lock_wait_seconds)
    queues = QueueMaintainer(ReplicaFactsReader(replica_db), stores, events, clock)
    user_context_cache = UserContextCache(redis, settings.user_context_ttl_seconds,
                                          settings.redis_key_prefix)
    sync_store = PgSyncStore(pg)
    changes = ChangeApplier(
        ChangeLookups(replica_db), sync_store, queues, user_context_cache,
        partial(record_conversions, pg), clock, settings.replica_schema,
        timedelta(seconds=settings.sync_max_replica_lag_seconds),
        settings.sync_retry_base_seconds, settings.sync_retry_cap_seconds)
    services = Services(
        settings=settings, runtime=runtime, engine=engine,
        sync_store=sync_store, changes=changes,
        uow=lambda: SqlUnitOfWork(session_factory),
        replica=ReplicaReader(replica_db), pg=pg, pg_statements=pg_statements,
        queues=queues, leases=PgLeaseStore(pg), agent_profiles=PgAgentProfiles(pg),
        outcomes=CallOutcomes(PgCallbackStore(pg, rule_book), queues,
                              ReplicaFactsReader(replica_db), settings.calling_window),
        timers=QueueTimers(queues, partial(users_due_between, pg), PgSchedule(pg), clock),
        background=BackgroundJobs(),
        redis=redis,
        user_context_cache=user_context_cache,
        events=events,
        hasher=Argon2PasswordHasher(), clock=clock,
        tokens=JwtTokenService(runtime.jwt_secret, timedelta(minutes=settings.jwt_expiry_minutes)),
    )
    # --- wiring per area (issue 4 sync, issue 5 calls / messaging / sessions) goes here ---
    wire_communications(services, pg, replica_db)
    # Closed in reverse: the embedded server (if any) goes last.
    services.closers += [runtime.close, redis.close, replica_db.close, engine.dispose,
                         pg.close, services.events.close, services.background.drain]
    return services
