"""Daily cleanup: old events and bookkeeping, expired links, the audit trail and recordings
past retention."""

from __future__ import annotations

from datetime import datetime, timedelta

from infrastructure.bootstrap import Services

# (table, time column, extra condition, settings attribute holding the days kept)
_PRUNED = (
    ("queue_events", "occurred_at", "", "queue_events_keep_days"),
    ("cdc_seen", "seen_at", "", "cdc_seen_keep_days"),
    ("webhook_receipts", "received_at", "", "webhook_receipts_keep_days"),
    ("dead_letters", "received_at", "AND replayed_at IS NOT NULL", "dead_letters_keep_days"),
    ("job_runs", "started_at", "", "job_runs_keep_days"),
)


async def daily_cleanup(services: Services, now: datetime) -> dict[str, int]:
    """Deletes what is past its keeping time; returns rows removed per table."""
    removed: dict[str, int] = {}
    for table, column, extra, setting in _PRUNED:
        cutoff = now - timedelta(days=getattr(services.settings, setting))
        status = await services.pg.execute(
            f"DELETE FROM {table} WHERE {column} < $1 {extra}", cutoff)  # noqa: S608 - fixed
        removed[table] = int(status.split()[-1])
    removed["magic_links"] = await services.magic_links.purge_expired_links(now)
    removed["audit_log"] = await services.audit_log.purge(now)  # AUDIT_KEEP_DAYS, in chunks
    recordings = await services.voice.purge_expired_recordings(now)
    removed["recordings"] = recordings.deleted
    removed["recordings_failed"] = recordings.failed
    return removed
