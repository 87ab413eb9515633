"""The composition root: settings in, wired adapters out. One call per process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.ports import WorkTies
from domain.access.rule import AccessRule
from infrastructure.logging import get_logger
from infrastructure.postgres.agent_accounts import PgAgentProfiles
from infrastructure.postgres.audit import PgAuditTrail, open_write_pool
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
from infrastructure.postgres.work_ties import PgWorkTies
from infrastructure.redis.event_bus import RedisEventBus
from infrastructure.redis.rate_limits import LimitsRateLimiter
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
from service_layer.audit import AuditLog, AuditWriter
from service_layer.background import BackgroundJobs
from service_layer.cdc import ChangeApplier
from service_layer.dispositions import CallOutcomes
from service_layer.queues import QueueMaintainer
from service_layer.rate_limits import RateLimits
from service_layer.timed import QueueTimers

if TYPE_CHECKING:
    from infrastructure.twilio.rest import TwilioRest
    from service_layer.analytics import SupervisorAnalytics
    from service_layer.follow_ups import Messaging
    from service_layer.magic_links import MagicLinks
    from service_layer.sessions import Presence
    from service_layer.voice import VoiceCalls


READINESS_TIMEOUT_SECONDS = 3.0  # a dependency that hangs is as down as one that refuses
log = get_logger(__name__)


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
    # Who may see which user (DESIGN.md section 10).
    work_ties: WorkTies
    access_rule: AccessRule
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
    # --- rate limits ---
    rate_limits: RateLimits = field(init=False)
    # --- audit trail ---
    audit_writer: AuditWriter = field(init=False)
    audit_log: AuditLog = field(init=False)
    clock: Callable[[], datetime] = utc_now
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def readiness(self) -> dict[str, str]:
        """Each dependency: "ok", "down", or "degraded" for Redis (the API answers without
        it). What failed is logged, never answered: it can name hosts and accounts."""
        async def postgres() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        checks = {"postgres": (postgres, "down"), "replica": (self.replica.db.ping, "down"),
                  "redis": (self.redis.ping, "degraded")}

        async def state(name: str, check, failed: str) -> str:
            try:
                async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
                    await check()
                return "ok"
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
                log.warning("readiness check failed", dependency=name,
                            error=f"{type(exc).__name__}: {str(exc)[:300]}")
                return failed

        states = await asyncio.gather(*(state(n, *c) for n, c in checks.items()))
        return dict(zip(checks, states, strict=True))

    async def close(self) -> None:
        while self.closers:
            await self.closers.pop()()


async def bootstrap(settings: Settings | None = None, *, runtime: Runtime | None = None,
                    clock: Callable[[], datetime] = utc_now, serving: bool = False) -> Services:
    """Start or reach every dependency the settings name and wire the adapters.

    ``serving``: an API process, which opens PG_POOL_MIN_SIZE connections at once and keeps
    them; a command or a test opens one and grows as it needs."""
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
                           min_size=min(settings.pg_pool_min_size, settings.pg_pool_size)
                           if serving else 1,
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
        work_ties=PgWorkTies(pg), access_rule=AccessRule(timedelta(hours=settings.work_on_hours)),
    )
    # --- wiring per area (issue 4 sync, issue 5 calls / messaging / sessions) goes here ---
    wire_communications(services, pg, replica_db)
    # Rate limits: in Redis when there is one to share; the embedded default's in-process
    # Redis serves one process only, so its counts stay in memory.
    services.rate_limits = RateLimits(
        LimitsRateLimiter(redis if settings.redis_url else None, settings.redis_key_prefix),
        settings.rate_policy)
    # Closed in reverse: the embedded server (if any) goes last.
    services.closers += [runtime.close, redis.close, replica_db.close, engine.dispose,
                         pg.close, services.events.close, services.background.drain]
    await _wire_audit(services, pg)  # after the closers above: it closes before the pools
    return services


async def _wire_audit(services: Services, pg: asyncpg.Pool) -> None:
    """The audit trail: written through its own connection, read through the pool."""
    s = services.settings
    writes = await open_write_pool(services.runtime.database, s.pg_command_timeout_seconds)
    trail = PgAuditTrail(pg, writes)
    services.audit_writer = AuditWriter(trail, flush_seconds=s.audit_flush_seconds,
                                        batch_size=s.audit_batch_size,
                                        max_buffered=s.audit_buffer_max)
    services.audit_log = AuditLog(trail, s.audit_keep_days)
    # Closers run last first: what waits is written before any pool closes.
    services.closers += [writes.close, services.audit_writer.close]
