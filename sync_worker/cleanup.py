"""Daily cleanup: old events and bookkeeping, expired links, the audit trail and recordings
past retention."""

from __future__ import annotations

from datetime import datetime, timedelta

from infrastructure.bootstrap import Services

# table -> the settings attribute holding the days its rows are kept
_KEPT_DAYS = {
    "queue_events": "queue_events_keep_days",
    "cdc_seen": "cdc_seen_keep_days",
    "webhook_receipts": "webhook_receipts_keep_days",
    "dead_letters": "dead_letters_keep_days",
    "job_runs": "job_runs_keep_days",
}


async def daily_cleanup(services: Services, now: datetime) -> dict[str, int]:
    """Deletes what is past its keeping time; returns rows removed per table."""
    cutoffs = {table: now - timedelta(days=getattr(services.settings, setting))
               for table, setting in _KEPT_DAYS.items()}
    # First: from then on the rollup holds no bucket whose queue events are deleted.
    await services.movement_rollup.forget_before(cutoffs["queue_events"])
    removed = await services.job_runs.prune(cutoffs)
    removed["magic_links"] = await services.magic_links.purge_expired_links(now)
    removed["audit_log"] = await services.audit_log.purge(now)  # AUDIT_KEEP_DAYS, in chunks
    recordings = await services.voice.purge_expired_recordings(now)
    removed["recordings"] = recordings.deleted
    removed["recordings_failed"] = recordings.failed
    return removed
