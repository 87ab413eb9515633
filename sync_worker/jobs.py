"""The worker's scheduled batch work: reconcile, warm the cache, check integrity, clean up."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from domain.queue.model import QueueType
from domain.sync.reconcile import advanced, plan
from infrastructure.bootstrap import Services
from infrastructure.context_sources import DirectContextSources
from infrastructure.logging import get_logger
from infrastructure.metrics import JOB_RUNS, RECONCILE_DRIFT
from infrastructure.replica.change_lookups import conversions_seen_since
from infrastructure.replica.changed_users import ReplicaChangedUsers
from service_layer.user_contexts import assemble_contexts
from sync_worker.cleanup import daily_cleanup

log = get_logger(__name__)
Progress = Callable[[int], None] | None


@dataclass(frozen=True)
class JobResult:
    figures: dict
    drift: int | None = None


async def reconcile(services: Services, progress: Progress = None,
                    forced: bool = False) -> JobResult:
    """The live queue against current data; every difference is an event (the drift).

    Every FULL_RECONCILE_HOURS, and when run by hand (``forced``), a full rebuild (deleted
    rows too); in between, only the users whose replica rows changed since the last pass
    (domain.sync.reconcile).
    Conversions the CDC stream missed are recorded from the moves it finds (the same
    dedupe keys as the worker's, so nothing counts twice). The user search is kept the
    same way: the changed users, or every user (and the deleted ones forgotten).
    """
    s, changes = services.settings, ReplicaChangedUsers(services.replica.db)
    since = await services.job_runs.last_reconcile_done()
    state = await services.job_runs.reconcile_state()
    chosen = plan(state, services.clock(), timedelta(hours=s.full_reconcile_hours),
                  timedelta(seconds=s.reconcile_margin_seconds), by_hand=forced)
    if chosen.full:
        watermark = await changes.latest_change()  # before anything is read
        # By hand: every score worked out again (a scheduled sweep keeps the unmoved ones).
        report = await services.queues.rebuild(progress, afresh=forced)
        searched = await services.search_keeper.rebuild()  # and forgets deleted users
        changed = None
    else:
        users, seen = await changes.changed_since(chosen.read_since)
        report = await services.queues.recompute(sorted(users), "reconcile")
        searched = await services.search_keeper.refresh(sorted(users))
        changed = len(users)
        watermark = advanced(state.watermark, seen)
        if progress:
            progress(len(users))
    drift = len(report.changes)
    RECONCILE_DRIFT.observe(drift)
    left = {kind: {c.user_id for c in report.changes
                   if c.from_queue is kind and c.to_queue is not kind}
            for kind in (QueueType.UNSIGNED, QueueType.OUTSTANDING_REQUESTS)}
    seen = await conversions_seen_since(
        services.replica.db, left[QueueType.UNSIGNED], left[QueueType.OUTSTANDING_REQUESTS],
        since or services.clock() - timedelta(days=1))
    recorded = await services.changes.record_conversions(seen)
    for user in sorted({r["user_id"] for r in recorded}):
        await services.sms.follow_ups.schedule_review_request(user)
    return JobResult({"full": chosen.full, "watermark": watermark and watermark.isoformat(),
                      "changed_users": changed,
                      "users": report.users, "written": report.written,
                      "changes": report.by_kind, "excluded": report.excluded,
                      "conversions": len(recorded), "search_rows_changed": searched}, drift)


async def warm_cache(services: Services, progress: Progress = None,
                     forced: bool = False) -> JobResult:
    """Caches the contexts of the users at the head of each queue (called next)."""
    limit = services.settings.cache_warm_users
    ids = await services.queue_pages.heads(limit)
    sources = DirectContextSources(services.replica, services.uow)
    warmed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        contexts = await assemble_contexts(sources, chunk)
        await services.user_context_cache.put_many(contexts)
        warmed += len(contexts)
        if progress:
            progress(len(chunk))
    return JobResult({"users": len(ids), "warmed": warmed})


async def integrity(services: Services, progress: Progress = None,
                    forced: bool = False) -> JobResult:
    """Counts on both sides, and a random sample recomputed and compared (nothing written)."""
    replica_users = await services.job_runs.replica_users()
    bounds = await services.queues.replica.id_bounds()
    queue = await services.queue_pages.counts()
    size = services.settings.integrity_sample_size
    sample: list[int] = []
    if bounds is not None:
        low, high = bounds
        sample = random.sample(range(low, high + 1), min(size, high - low + 1))
    mismatches = await services.queues.compare(sample)
    if progress:
        progress(len(sample))
    figures = {"replica_users": int(replica_users), "queue_entries": queue,
               "queued_total": sum(queue.values()), "sample_size": len(sample),
               "mismatches": len(mismatches),
               "mismatched_users": sorted({c.user_id for c in mismatches})[:50]}
    if mismatches:
        log.warning("integrity check found differences", **{k: figures[k] for k in
                                                            ("sample_size", "mismatches")})
    return JobResult(figures, len(mismatches))


async def cleanup(services: Services, progress: Progress = None,
                  forced: bool = False) -> JobResult:
    return JobResult(await daily_cleanup(services, services.clock()))


# (services, progress, forced: run by hand rather than on schedule)
JobFunction = Callable[[Services, Progress, bool], Awaitable[JobResult]]
async def learn(services: Services, progress: Progress = None,
                forced: bool = False) -> JobResult:
    """Learns from every call and text so far into a new active snapshot."""
    report = await services.learning.run()
    return JobResult({"version": report.version, "users": report.users,
                      "segments": report.segments, "seconds": round(report.seconds, 2)})


async def movement_rollup(services: Services, progress: Progress = None,
                          forced: bool = False) -> JobResult:
    """queueMovements' hours and days closed since the last run, or with late events."""
    report = await services.movement_rollup.run()
    return JobResult({"buckets": report.buckets, "rows": report.rows,
                      "rolled_until": report.rolled_until.isoformat()})


JOBS: dict[str, JobFunction] = {"reconcile": reconcile, "warm-cache": warm_cache,
                                "integrity": integrity, "cleanup": cleanup, "learn": learn,
                                "movement-rollup": movement_rollup}


def intervals(services: Services) -> dict[str, timedelta]:
    """The jobs this process schedules, and how often; disabled ones are left out."""
    s = services.settings
    # The dialler's own tables alone: whatever the sync switches say.
    every = {"movement-rollup": timedelta(minutes=s.movement_rollup_every_minutes)}
    if s.enable_batch_sync:
        every |= {"reconcile": timedelta(minutes=s.reconcile_every_minutes),
                  "integrity": timedelta(hours=s.integrity_every_hours),
                  "cleanup": timedelta(hours=s.cleanup_every_hours),
                  "learn": timedelta(hours=s.learn_every_hours)}
    if s.enable_cache_warming:
        every["warm-cache"] = timedelta(minutes=s.cache_warm_every_minutes)
    return every


async def run_job(services: Services, name: str, *, force: bool,
                  every: timedelta | None = None, progress: Progress = None
                  ) -> JobResult | None:
    """Runs ``name`` unless another process is running it (or, unforced, it is not due)."""
    runs = services.job_runs
    async with runs.held(name) as held:
        if not held:
            return None
        now = services.clock()
        if not force and not await runs.due(name, now, every):
            return None
        run_id = await runs.start(name, now)
        try:
            result = await JOBS[name](services, progress, force)
        except Exception as exc:
            await runs.finish(run_id, services.clock(), "FAILED",
                              error=f"{type(exc).__name__}: {exc}")
            JOB_RUNS.labels(name, "failed").inc()
            raise
        await runs.finish(run_id, services.clock(), "DONE", drift=result.drift,
                          figures=result.figures)
        JOB_RUNS.labels(name, "done").inc()
        log.info("job done", job=name, drift=result.drift, figures=result.figures)
        return result
