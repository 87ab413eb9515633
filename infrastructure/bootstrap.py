"""The composition root: settings in, wired adapters out. One call per process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.agents.presence import PauseReasons, PresencePolicy
from domain.links.tokens import derive_key
from domain.queue.builder import RulesForUser
from infrastructure.email import email_sender
from infrastructure.postgres.analytics import PgAnalyticsReads
from infrastructure.postgres.calls import PgCallUnits, PgRecordingStore
from infrastructure.postgres.conversions import record_conversions
from infrastructure.postgres.dispositions import PgCallbackStore, users_due_between
from infrastructure.postgres.engine import make_engine, make_session_factory
from infrastructure.postgres.follow_ups import PgFollowUps, mark_sent
from infrastructure.postgres.leads import PgLeaseStore
from infrastructure.postgres.locks import job_lock
from infrastructure.postgres.magic_links import PgMagicLinks
from infrastructure.postgres.messages import PgMessaging
from infrastructure.postgres.pool import StatementCounter, create_pool
from infrastructure.postgres.queue_stores import PgQueueStores
from infrastructure.postgres.rule_sets import rules_for_users
from infrastructure.postgres.sessions import PgPresenceStore
from infrastructure.postgres.sync_store import PgSyncStore
from infrastructure.postgres.unit_of_work import SqlUnitOfWork
from infrastructure.redis.event_bus import RedisEventBus
from infrastructure.redis.resilient import ResilientRedis
from infrastructure.redis.user_context_cache import UserContextCache
from infrastructure.replica.change_lookups import ChangeLookups
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.lenders import ReplicaUserLenders
from infrastructure.replica.queue_facts import ReplicaFactsReader
from infrastructure.replica.reader import ReplicaReader
from infrastructure.runtime import Runtime, resolve_runtime
from infrastructure.security.passwords import Argon2PasswordHasher
from infrastructure.security.tokens import JwtTokenService
from infrastructure.settings import Settings
from infrastructure.twilio.rest import TwilioRest
from infrastructure.twilio.voice import TwilioVoiceGateway
from service_layer.analytics import SupervisorAnalytics
from service_layer.background import BackgroundJobs
from service_layer.cdc import ChangeApplier
from service_layer.dispositions import CallOutcomes
from service_layer.follow_ups import FollowUps, Messaging, SmsJobs, magic_link_provider
from service_layer.magic_links import LinkPolicy, MagicLinks
from service_layer.queues import QueueMaintainer
from service_layer.sessions import Presence
from service_layer.sms import SmsService
from service_layer.timed import QueueTimers
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
    engine = make_engine(runtime.database)
    replica_db = await ReplicaDatabase.open(runtime.replica, read_only=True)
    redis = ResilientRedis(runtime.redis)
    session_factory = make_session_factory(engine)
    # asyncpg directly for the hot and bulk paths (leases, queue pages, rebuilds).
    pg_statements = StatementCounter()
    pg = await create_pool(runtime.database, pg_statements, settings.pg_pool_size)
    events = RedisEventBus(redis, settings.redis_key_prefix)

    async def rules() -> RulesForUser:
        async with pg.acquire() as conn:
            return await rules_for_users(conn)

    queues = QueueMaintainer(ReplicaFactsReader(replica_db), PgQueueStores(pg), events, rules,
                             clock)
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
        queues=queues, leases=PgLeaseStore(pg),
        outcomes=CallOutcomes(PgCallbackStore(pg), queues, ReplicaFactsReader(replica_db),
                              settings.calling_window),
        timers=QueueTimers(queues, partial(users_due_between, pg), partial(job_lock, pg), clock),
        background=BackgroundJobs(),
        redis=redis,
        user_context_cache=user_context_cache,
        events=events,
        hasher=Argon2PasswordHasher(), clock=clock,
        tokens=JwtTokenService(runtime.jwt_secret, timedelta(minutes=settings.jwt_expiry_minutes)),
    )
    # --- wiring per area (issue 4 sync, issue 5 calls / messaging / sessions) goes here ---
    services.voice = VoiceCalls(
        TwilioVoiceGateway(settings), events, queues, settings.calling_window,
        PgCallUnits(pg), PgRecordingStore(pg), settings.voice_token_ttl_seconds,
        settings.recording_retention_months)
    services.presence = Presence(
        PgPresenceStore(pg), events,
        PresencePolicy(timedelta(seconds=settings.session_idle_seconds),
                       timedelta(seconds=settings.wrap_up_seconds)),
        PauseReasons.of(settings.pause_reasons), partial(job_lock, pg), clock,
        settings.session_timer_seconds)
    services.analytics = SupervisorAnalytics(
        PgAnalyticsReads(pg), ReplicaUserLenders(services.replica), clock,
        settings.analytics_max_days)
    link_secret = settings.magic_link_secret
    services.magic_links = MagicLinks(
        PgMagicLinks(pg), services.replica,
        derive_key(link_secret.get_secret_value() if link_secret else runtime.jwt_secret),
        LinkPolicy(ttl=timedelta(hours=settings.magic_link_ttl_hours),
                   rate_per_hour=settings.magic_link_rate_per_hour,
                   retention=timedelta(days=settings.magic_link_retention_days),
                   link_base_url=settings.link_base_url or settings.public_base_url
                   or "http://localhost:8000", main_app_url=settings.main_app_url),
        sms=None, clock=clock,  # sms: set below, with twilio
        email=email_sender(settings.smtp_url.get_secret_value() if settings.smtp_url else None,
                           settings.email_from))
    # SMS and follow-ups (one Twilio REST client per process, also for recordings).
    services.twilio = TwilioRest.from_settings(settings)
    services.magic_links.sms = services.twilio  # magic links by SMS go through it too
    messages, sms_hours = PgMessaging(pg), settings.sms_window
    sms = SmsService(messages, services.twilio, ReplicaFactsReader(replica_db), queues.recompute,
                     events, clock, sms_hours, settings.sms_status_callback,
                     settings.sms_max_attempts)
    follow_ups = FollowUps(
        PgFollowUps(pg), messages, sms, ReplicaFactsReader(replica_db),
        services.replica, mark_sent, sms_hours, clock,
        magic_link_provider(services.magic_links, settings.main_app_url),
        settings.review_url or settings.main_app_url.rstrip("/") + "/review")
    services.sms = Messaging(sms, follow_ups, SmsJobs(sms, follow_ups, partial(job_lock, pg),
                                                      settings.sms_jobs_every_seconds))
    services.outcomes.follow_ups = services.sms.follow_ups
    services.changes.after_conversion = services.sms.follow_ups.schedule_review_request
    services.closers.append(services.twilio.close)
    # Closed in reverse: the embedded server (if any) goes last.
    services.closers += [runtime.close, redis.close, replica_db.close, engine.dispose,
                         pg.close, services.events.close, services.background.drain]
    return services
