"""The sync worker: CDC consumer, scheduled jobs and housekeeping, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine

from infrastructure.bootstrap import Services
from infrastructure.logging import get_logger
from infrastructure.metrics import WORKER_HEARTBEAT
from service_layer import periodic
from sync_worker.consumer import Consumer
from sync_worker.jobs import intervals, run_job
from sync_worker.sqs import QueueAddress, SqsQueue

log = get_logger(__name__)
HEARTBEAT_SECONDS = 15.0  # the WorkerDown alert (deploy/monitoring) allows 120 s of silence


def queue_address(services: Services, queue_url: str | None = None,
                  endpoint_url: str | None = None) -> QueueAddress | None:
    s = services.settings
    url = queue_url or s.sqs_queue_url
    if not url:
        return None
    return QueueAddress(url, endpoint_url or s.aws_endpoint_url, s.aws_region)


async def run_worker(services: Services, stop: asyncio.Event, *,
                     address: QueueAddress | None = None, cdc: bool | None = None,
                     scheduled: bool = True, sms_jobs: bool = True,
                     automated: bool | None = None, tick_seconds: float = 30.0) -> None:
    """Runs until ``stop``: a SIGTERM finishes the batch in hand, then everything returns."""
    cdc = services.settings.enable_cdc_sync if cdc is None else cdc
    address = address or queue_address(services)
    # Started together once everything is open (a coroutine made earlier and never run
    # would be left unawaited should the queue fail to open).
    # The heartbeat first, on the worker's own loop: a blocked loop or an ended worker
    # stops it (dialler_worker_heartbeat_timestamp_seconds).
    tasks: list[Callable[[], Coroutine[object, object, None]]] = [
        lambda: _every(HEARTBEAT_SECONDS, _heartbeat, stop, "heartbeat")]
    if scheduled:
        tasks.append(lambda: _every(tick_seconds, lambda: _scheduled_jobs(services), stop,
                                    "scheduled_jobs"))
    if sms_jobs:  # due follow-ups and SMS retries; a lock keeps it to one process at a time
        tasks.append(lambda: services.sms.jobs.run(stop))
    if services.settings.enable_automated_agents if automated is None else automated:
        tasks.append(lambda: services.automated_agents.run(stop))  # by lock, as SMS jobs
    if cdc and address is None:
        log.warning("CDC sync enabled but SQS_QUEUE_URL is not set: not consuming")
    async with contextlib.AsyncExitStack() as stack:
        if cdc and address is not None:
            queue = await stack.enter_async_context(
                SqsQueue(address, services.settings.outbound_http_timeout_seconds))
            consumer = Consumer(queue, services.changes, services.sync_store,
                                services.settings.sqs_pollers, services.settings.sqs_batch_size,
                                services.settings.sqs_wait_seconds)
            tasks += [lambda: consumer.run(stop),
                      lambda: _every(60.0, lambda: _dead_letter_depth(services, queue), stop,
                                     "dead_letter_depth")]
            log.info("cdc consumer started", queue=address.url, pollers=consumer.pollers)
        tasks += [lambda: _every(5.0, services.user_context_cache.flush_pending, stop,
                                 "flush_pending"),
                  lambda: _every(5.0, services.events.flush_undelivered, stop,
                                 "flush_undelivered")]
        # One part that dies takes the others down with it (before the queue's client is
        # closed under them): the worker ends as a whole, and whoever runs it restarts it.
        async with asyncio.TaskGroup() as group:
            for task in tasks:
                group.create_task(task())


async def _heartbeat() -> None:
    WORKER_HEARTBEAT.set_to_current_time()


async def _scheduled_jobs(services: Services) -> None:
    for name, every in intervals(services).items():
        await run_job(services, name, force=False, every=every)


async def _dead_letter_depth(services: Services, queue: SqsQueue) -> None:
    if queue.dead_letter_url is None:
        return
    attributes = await queue.client.get_queue_attributes(
        QueueUrl=queue.dead_letter_url, AttributeNames=["ApproximateNumberOfMessages"])
    depth = int(attributes["Attributes"].get("ApproximateNumberOfMessages", 0))
    await services.sync_store.record_dead_letter_depth(depth)


async def _every(seconds: float, action: Callable[[], Awaitable[object]], stop: asyncio.Event,
                 task: str) -> None:
    """Runs ``action`` now and every ``seconds`` until stopped; a failure waits a turn."""
    await periodic.every(seconds, action, stop, name=task, on_failure=_log_failure)


def _log_failure(task: str, exc: Exception) -> None:
    log.error("worker task failed", task=task, error=f"{type(exc).__name__}: {str(exc)[:300]}")
