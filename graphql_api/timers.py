"""The timers `dialler serve` runs beside the API, in every process.

Each takes a lock and a shared mark in PostgreSQL, so with N processes it still runs
once per period: due callbacks and rescoring, idle sessions and wrap-ups, SMS jobs.
Beside them, each process sends on what Redis missed while it was down.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from infrastructure.bootstrap import Services
from infrastructure.intents.lazy import warm as warm_classifier
from infrastructure.metric_collectors import StateSource, keep_fresh
from service_layer import periodic

FLUSH_SECONDS = 5.0


@asynccontextmanager
async def serve_timers(services: Services) -> AsyncIterator[tuple[asyncio.Event, list]]:
    """Yields (stop, tasks): the caller may add tasks that end on ``stop``; on exit every
    one is stopped and waited for."""
    stop, tasks = asyncio.Event(), []
    # Trains the text classifier off the loop now, so the first customer's text never waits.
    tasks.append(asyncio.create_task(asyncio.to_thread(warm_classifier)))
    if services.settings.enable_batch_sync:
        tasks.append(asyncio.create_task(services.timers.run(stop)))
    # Idle sessions and wrap-ups end on time whatever the sync switches say.
    tasks.append(asyncio.create_task(services.presence.run(stop)))
    # Due follow-up SMS and retries of failed hand-offs.
    tasks.append(asyncio.create_task(services.sms.jobs.run(stop)))
    # What Redis missed while down waits in this process until its next publish or read;
    # an idle process among N would leave the others serving stale contexts meanwhile.
    tasks.append(asyncio.create_task(periodic.every(FLUSH_SECONDS, lambda: _flush(services),
                                                    stop, name="redis catch-up")))
    # The state gauges /metrics shows (queues, agents, sync, Redis), read off the scrape's path.
    tasks.append(asyncio.create_task(keep_fresh(state_source(services), stop)))
    try:
        yield stop, tasks
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


def state_source(services: Services) -> StateSource:
    return StateSource(services.sync_store, services.queue_pages, services.pg, services.redis,
                       services.settings.calling_window, services.clock)


async def _flush(services: Services) -> None:
    await services.user_context_cache.flush_pending()
    await services.events.flush_undelivered()
