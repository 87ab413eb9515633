"""The CDC sync's health, as SyncStatus and the dashboard show it."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(name="SyncStatus")
class SyncStatusType:
    lag_seconds: float | None = strawberry.field(
        description="Commit in the main database to our committed effect, for the newest "
                    "batch; null before the first.")
    last_event_at: datetime | None = strawberry.field(
        description="Commit time of the newest change applied.")
    dead_letters: int = strawberry.field(
        description="Messages in the dead-letter queue (or recorded there and not replayed).")
    last_reconciliation_at: datetime | None
    last_reconciliation_drift: int | None = strawberry.field(
        description="Queue differences the last reconciliation found and fixed.")
