"""The CDC sync's status (SUPERVISOR, ADMIN)."""

from __future__ import annotations

import strawberry

from graphql_api.types.sync import SyncStatusType


async def load_sync_status(info: strawberry.Info) -> SyncStatusType:
    status = await info.context.services.sync_store.status()
    return SyncStatusType(lag_seconds=status.lag_seconds, last_event_at=status.last_event_at,
                          dead_letters=status.dead_letters,
                          last_reconciliation_at=status.last_reconciliation_at,
                          last_reconciliation_drift=status.last_reconciliation_drift)
