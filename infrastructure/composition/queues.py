"""The queues: their maintainer, the timers that sweep them, leases and the context cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from infrastructure.composition.connections import Connections
from infrastructure.model_files import ModelFiles
from infrastructure.postgres.dispositions import users_due_between
from infrastructure.postgres.leads import PgLeaseStore
from infrastructure.postgres.locks import PgSchedule
from infrastructure.postgres.matching import LeadMatcher
from infrastructure.postgres.queue_store import PgQueueStores
from infrastructure.postgres.rule_sets import RuleBook
from infrastructure.queue_processes import ProcessRangeWorkers
from infrastructure.redis.user_context_cache import UserContextCache
from infrastructure.replica.queue_facts import ReplicaFactsReader
from infrastructure.settings import Settings
from service_layer.queues import QueueMaintainer
from service_layer.timed import QueueTimers


@dataclass(frozen=True)
class QueueArea:
    rule_book: RuleBook
    queues: QueueMaintainer
    timers: QueueTimers
    leases: PgLeaseStore
    user_context_cache: UserContextCache


def build_queues(settings: Settings, c: Connections, clock: Callable[[], datetime], *,
                 spread: bool = True) -> QueueArea:
    """``spread``: a rebuild of many ranges may send some to other processes (never from
    such a process itself, nor with the embedded default, whose Redis is in-process)."""
    # One per process: every reader of the rules shares its parse.
    rule_book = RuleBook(ModelFiles(settings.models_dir))
    stores = PgQueueStores(c.pg, rule_book, range_size=settings.queue_range_size,
                           lock_wait_seconds=settings.queue_lock_wait_seconds)
    elsewhere = None
    if spread and settings.rebuild_processes > 1 and settings.redis_url \
            and not settings.embedded_postgres:
        elsewhere = ProcessRangeWorkers(settings, settings.rebuild_processes)
    queues = QueueMaintainer(ReplicaFactsReader(c.replica_db), stores, c.events, clock,
                             elsewhere=elsewhere)
    return QueueArea(
        rule_book, queues,
        QueueTimers(queues, partial(users_due_between, c.pg), PgSchedule(c.pg), clock,
                    callback_every=settings.callback_scan_seconds),
        PgLeaseStore(c.pg, _matcher(settings)),
        UserContextCache(c.redis, settings.user_context_ttl_seconds, settings.redis_key_prefix))


def _matcher(settings: Settings) -> LeadMatcher | None:
    """Agent matching for nextLead; None when MATCH_WINDOW_POINTS is 0 (off)."""
    if settings.match_window_points <= 0:
        return None
    return LeadMatcher(settings.match_window_points,
                       timedelta(minutes=settings.match_max_wait_minutes))
