"""Agents: their accounts, who may see whom, sessions and presence, supervisor figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.access.rule import AccessRule
from domain.agents.passwords import PasswordPolicy
from domain.agents.presence import PauseReasons, PresencePolicy
from domain.unit_of_work import UnitOfWork
from infrastructure.composition.connections import Connections
from infrastructure.postgres.agent_accounts import PgAgentDirectory, PgAgentProfiles
from infrastructure.postgres.locks import PgSchedule
from infrastructure.postgres.movement_rollups import PgMovementRollups
from infrastructure.postgres.sessions import PgPresenceStore
from infrastructure.postgres.views.analytics import PgAnalyticsReads
from infrastructure.postgres.work_ties import PgWorkTies
from infrastructure.replica.lenders import ReplicaUserLenders
from infrastructure.replica.reader import ReplicaReader
from infrastructure.runtime import Runtime
from infrastructure.security.common_passwords import password_policy
from infrastructure.security.passwords import Argon2PasswordHasher
from infrastructure.security.tokens import JwtTokenService
from infrastructure.settings import Settings, previous_secrets
from service_layer.accounts import Accounts
from service_layer.analytics import SupervisorAnalytics
from service_layer.movement_rollup import MovementRollup
from service_layer.sessions import Presence


@dataclass(frozen=True)
class AccessArea:
    agent_profiles: PgAgentProfiles
    hasher: Argon2PasswordHasher
    password_policy: PasswordPolicy
    tokens: JwtTokenService
    work_ties: PgWorkTies
    access_rule: AccessRule


@dataclass(frozen=True)
class AgentsArea:
    presence: Presence
    analytics: SupervisorAnalytics
    accounts: Accounts
    movement_rollup: MovementRollup


def build_access(s: Settings, runtime: Runtime, c: Connections) -> AccessArea:
    return AccessArea(
        PgAgentProfiles(c.pg), Argon2PasswordHasher(), password_policy(),
        JwtTokenService(runtime.jwt_secret, timedelta(minutes=s.jwt_expiry_minutes),
                        previous=previous_secrets(s.jwt_secret_previous)),
        PgWorkTies(c.pg), AccessRule(timedelta(hours=s.work_on_hours)))


def build_agents(s: Settings, c: Connections, replica: ReplicaReader, access: AccessArea,
                 uow: Callable[[], UnitOfWork], clock: Callable[[], datetime]) -> AgentsArea:
    store = PgPresenceStore(c.pg)
    presence = Presence(
        store, c.events,
        PresencePolicy(timedelta(seconds=s.session_idle_seconds),
                       timedelta(seconds=s.wrap_up_seconds)),
        PauseReasons.of(s.pause_reasons), PgSchedule(c.pg), clock, s.session_timer_seconds)
    analytics = SupervisorAnalytics(PgAnalyticsReads(c.pg), ReplicaUserLenders(replica), clock,
                                    s.analytics_max_days)
    accounts = Accounts(uow, access.hasher, access.password_policy, PgAgentDirectory(c.pg),
                        store, c.events, clock)
    return AgentsArea(presence, analytics, accounts,
                      MovementRollup(PgMovementRollups(c.pg), clock))
