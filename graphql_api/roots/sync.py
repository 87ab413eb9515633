"""Root fields of the CDC sync (merged in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.permissions import IsSupervisor
from graphql_api.resolvers.sync import load_sync_status
from graphql_api.types.sync import SyncStatusType


@strawberry.type
class SyncQuery:
    sync_status: SyncStatusType = strawberry.field(
        resolver=load_sync_status, permission_classes=[IsSupervisor],
        description="Lag, newest change, dead letters and the last reconciliation.")
