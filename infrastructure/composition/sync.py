"""The CDC worker's use case: applying the main application's changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from infrastructure.composition.connections import Connections
from infrastructure.composition.queues import QueueArea
from infrastructure.postgres.conversions import record_conversions
from infrastructure.postgres.sync_store import PgSyncStore
from infrastructure.replica.change_lookups import ChangeLookups
from infrastructure.settings import Settings
from service_layer.cdc import ChangeApplier
from service_layer.messagebus import MessageBus
from service_layer.user_search import SearchKeeper


@dataclass(frozen=True)
class SyncArea:
    sync_store: PgSyncStore
    changes: ChangeApplier


def build_sync(s: Settings, c: Connections, q: QueueArea, bus: MessageBus,
               search: SearchKeeper, clock: Callable[[], datetime]) -> SyncArea:
    store = PgSyncStore(c.pg)
    changes = ChangeApplier(
        ChangeLookups(c.replica_db), store, q.queues, q.user_context_cache,
        partial(record_conversions, c.pg), clock, search, schema=s.replica_schema,
        max_replica_lag=timedelta(seconds=s.sync_max_replica_lag_seconds),
        retry_base_seconds=s.sync_retry_base_seconds,
        retry_cap_seconds=s.sync_retry_cap_seconds, bus=bus)
    return SyncArea(store, changes)
