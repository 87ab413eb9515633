"""The composition root: settings in, finished adapters and services out. One call per process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.ports import WorkTies
from domain.access.rule import AccessRule
from domain.agents.passwords import PasswordPolicy
from infrastructure.clock import utc_now
from infrastructure.composition.agents import build_access, build_agents
from infrastructure.composition.audit import build_audit
from infrastructure.composition.automation import build_automation
from infrastructure.composition.bus import build_bus
from infrastructure.composition.calls import build_calls, build_recordings
from infrastructure.composition.connections import open_connections
from infrastructure.composition.learning import (
    build_learn_on_demand,
    build_learned_habits,
    build_learning,
)
from infrastructure.composition.limits import build_rate_limits
from infrastructure.composition.messaging import build_messaging
from infrastructure.composition.queues import build_queues
from infrastructure.composition.records import build_records, build_search
from infrastructure.composition.sync import build_sync
from infrastructure.logging import get_logger
from infrastructure.model_files import ModelFiles
from infrastructure.postgres.agent_accounts import PgAgentProfiles
from infrastructure.postgres.leads import PgLeaseStore
from infrastructure.postgres.pool import StatementCounter
from infrastructure.postgres.sync_store import PgSyncStore
from infrastructure.postgres.unit_of_work import SqlUnitOfWork
from infrastructure.redis.event_bus import RedisEventBus
from infrastructure.redis.resilient import ResilientRedis
from infrastructure.redis.user_context_cache import UserContextCache
from infrastructure.replica.reader import ReplicaReader
from infrastructure.runtime import Runtime, resolve_runtime
from infrastructure.security.passwords import Argon2PasswordHasher
from infrastructure.security.tokens import JwtTokenService
from infrastructure.settings import Settings
from infrastructure.twilio.rest import TwilioRest
from service_layer.accounts import Accounts
from service_layer.analytics import SupervisorAnalytics
from service_layer.audit import AuditLog, AuditWriter
from service_layer.automated_agents import AutomatedAgents
from service_layer.background import BackgroundJobs
from service_layer.call_history import CallRecords
from service_layer.callbacks import CallbackDesk
from service_layer.cdc import ChangeApplier
from service_layer.dispositions import CallOutcomes
from service_layer.do_not_call import DoNotCallDesk
from service_layer.follow_ups import Messaging
from service_layer.job_runs import JobRuns
from service_layer.learned_habits import LearnedHabits
from service_layer.learning import Learning
from service_layer.learning_on_demand import LearnOnDemand
from service_layer.link_sending import LinkSending
from service_layer.magic_links import MagicLinks
from service_layer.movement_rollup import MovementRollup
from service_layer.queue_pages import QueuePages
from service_layer.queues import QueueMaintainer
from service_layer.rate_limits import RateLimits
from service_layer.recordings import Recordings
from service_layer.rule_sets import RuleSets
from service_layer.sessions import Presence
from service_layer.text_reviews import TextReviewDesk
from service_layer.timed import QueueTimers
from service_layer.user_search import SearchKeeper, UserSearch
from service_layer.voice import VoiceCalls

READINESS_TIMEOUT_SECONDS = 3.0  # a dependency that hangs is as down as one that refuses
log = get_logger(__name__)



@dataclass(frozen=True)
class Services:
    """Everything an entrypoint needs, built once. Its members stay mutable objects (tests
    swap their parts); which object fills each field is fixed at construction."""

    settings: Settings
    runtime: Runtime
    engine: AsyncEngine
    uow: Callable[[], SqlUnitOfWork]
    replica: ReplicaReader
    pg: asyncpg.Pool
    pg_statements: StatementCounter
    redis: ResilientRedis
    events: RedisEventBus
    clock: Callable[[], datetime]
    background: BackgroundJobs
    # --- queues ---
    queues: QueueMaintainer
    timers: QueueTimers
    leases: PgLeaseStore
    user_context_cache: UserContextCache
    # --- agents, access and sessions ---
    agent_profiles: PgAgentProfiles
    hasher: Argon2PasswordHasher
    password_policy: PasswordPolicy
    tokens: JwtTokenService
    work_ties: WorkTies  # who may see which user
    access_rule: AccessRule
    presence: Presence
    analytics: SupervisorAnalytics
    movement_rollup: MovementRollup  # queueMovements' closed buckets, kept by the worker
    accounts: Accounts  # admins keep the accounts; each person their own password
    # --- sync worker ---
    sync_store: PgSyncStore
    changes: ChangeApplier
    job_runs: JobRuns
    # --- what resolvers and webhooks read and record through the service layer ---
    rule_sets: RuleSets
    queue_pages: QueuePages
    call_records: CallRecords
    learning: Learning
    learned_habits: LearnedHabits  # what the active snapshot says of users
    learn_on_demand: LearnOnDemand  # learnScores: one run at a time with the worker's
    # --- calls and voice ---
    outcomes: CallOutcomes
    voice: VoiceCalls
    callbacks: CallbackDesk  # the floor's booked callbacks: listed, handed over
    do_not_call: DoNotCallDesk  # the do-not-call list supervisors keep
    recordings: Recordings  # calls' recordings played from Twilio
    # --- SMS, follow-ups and magic links ---
    twilio: TwilioRest
    sms: Messaging
    magic_links: MagicLinks
    link_sending: LinkSending  # sendMagicLink: by e-mail, or in a text of the conversation
    text_reviews: TextReviewDesk  # inbound texts a supervisor must read
    automated_agents: AutomatedAgents  # their turns run in the worker
    # --- rate limits and the audit trail ---
    rate_limits: RateLimits
    audit_writer: AuditWriter
    audit_log: AuditLog
    # --- finding customers ---
    user_search: UserSearch
    search_keeper: SearchKeeper  # keeps what they are found by current with the replica
    closers: list[Callable[[], Awaitable[None]]]  # run last first by close()

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
    """Start or reach every dependency the settings name and build each area on them.

    ``serving``: an API process, which opens PG_POOL_MIN_SIZE connections at once and keeps
    them; a command or a test opens one and grows as it needs."""
    settings = settings or Settings()
    runtime = runtime or await resolve_runtime(settings)
    c = await open_connections(settings, runtime, serving=serving)
    replica = ReplicaReader(c.replica_db)
    queues = build_queues(settings, c, clock)
    messaging = build_messaging(settings, runtime, c, replica, queues.queues, clock)
    bus = build_bus(messaging.sms.follow_ups)
    access = build_access(settings, runtime, c)
    calls = build_calls(settings, c, queues, bus, access.agent_profiles, clock)
    search = build_search(c, clock)
    sync = build_sync(settings, c, queues, bus, search.keeper, clock)
    uow = partial(SqlUnitOfWork, c.session_factory)
    agents = build_agents(settings, c, replica, access, uow, clock)
    records = build_records(c, ModelFiles(settings.models_dir))
    rate_limits = build_rate_limits(settings, c.redis)
    automated = build_automation(settings, c, replica, messaging.sms, messaging.magic_links,
                                 queues.queues, rate_limits, clock)
    background = BackgroundJobs()
    # Closed in reverse: the audit trail's writer first, the embedded server (if any) last.
    closers = [*messaging.closers, runtime.close, *c.closers(), background.drain]
    audit = await build_audit(settings, runtime, c.pg)
    recordings, close_media = build_recordings(settings, c, access.access_rule, audit.writer,
                                               clock)
    learning, habits = build_learning(c, clock), build_learned_habits(c, clock)
    return Services(
        settings=settings, runtime=runtime, engine=c.engine,
        uow=uow, replica=replica, pg=c.pg,
        pg_statements=c.pg_statements, redis=c.redis, events=c.events, clock=clock,
        background=background, queues=queues.queues, timers=queues.timers,
        leases=queues.leases, user_context_cache=queues.user_context_cache,
        agent_profiles=access.agent_profiles, hasher=access.hasher,
        password_policy=access.password_policy, tokens=access.tokens,
        work_ties=access.work_ties, access_rule=access.access_rule, presence=agents.presence,
        analytics=agents.analytics, movement_rollup=agents.movement_rollup,
        accounts=agents.accounts, sync_store=sync.sync_store,
        changes=sync.changes, user_search=search.user_search, search_keeper=search.keeper,
        outcomes=calls.outcomes, voice=calls.voice, callbacks=calls.callbacks,
        do_not_call=calls.do_not_call,
        twilio=messaging.twilio,
        sms=messaging.sms, magic_links=messaging.magic_links,
        link_sending=messaging.link_sending,
        text_reviews=messaging.text_reviews,
        automated_agents=automated, rate_limits=rate_limits, audit_writer=audit.writer,
        audit_log=audit.log, closers=[*closers, close_media, *audit.closers],
        recordings=recordings,
        job_runs=records.job_runs, rule_sets=records.rule_sets,
        queue_pages=records.queue_pages, call_records=records.call_records,
        learning=learning, learned_habits=habits,
        learn_on_demand=build_learn_on_demand(learning, records.job_runs, habits, clock))
