"""Long-polling pollers: apply each batch, then delete, delay or dead-letter its messages."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from infrastructure.logging import get_logger
from infrastructure.metrics import CDC_BATCH, CDC_LAG, CDC_MESSAGES
from infrastructure.postgres.sync_store import PgSyncStore
from service_layer.cdc import BatchOutcome, ChangeApplier, Incoming
from sync_worker.sqs import SqsQueue

log = get_logger(__name__)


@dataclass
class Consumer:
    queue: SqsQueue
    applier: ChangeApplier
    store: PgSyncStore
    pollers: int = 2
    batch_size: int = 10
    wait_seconds: int = 20
    failure_delay: int = 5
    # On stop, how long an open long poll may still take; past it the poll is dropped and
    # anything SQS handed it comes back after its visibility timeout (never lost).
    shutdown_grace: float = 3.0

    async def run(self, stop: asyncio.Event) -> None:
        """Polls until ``stop``; a batch in hand is finished first."""
        await asyncio.gather(*(self._poll(stop, n) for n in range(self.pollers)))

    async def _poll(self, stop: asyncio.Event, number: int) -> None:
        while not stop.is_set():
            try:
                messages = await self._receive(stop)
            except Exception as exc:  # noqa: BLE001 - SQS down: wait and try again
                log.warning("sqs receive failed", poller=number, error=str(exc)[:300])
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.failure_delay)
                continue
            if messages:
                await self.handle(messages)

    async def _receive(self, stop: asyncio.Event) -> list[Incoming]:
        receive = asyncio.ensure_future(self.queue.receive(self.batch_size, self.wait_seconds))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({receive, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not stop.is_set():
            return receive.result()
        # Stopping: a poll that answers soon may yet hand over messages; they go back at once
        # rather than waiting out their visibility timeout in a worker that is leaving.
        try:
            late = await asyncio.wait_for(receive, self.shutdown_grace)
        except Exception:  # noqa: BLE001 - nothing received, or SQS gone: nothing to give back
            return []
        if late:
            with contextlib.suppress(Exception):
                await self.queue.delay([(m, 0) for m in late])
        return []

    async def handle(self, messages: Sequence[Incoming]) -> BatchOutcome | None:
        """Applies one batch; deletes only what is committed. Never raises."""
        started = time.perf_counter()
        CDC_MESSAGES.labels("received").inc(len(messages))
        try:
            outcome = await self.applier.apply(messages)
        except Exception as exc:  # noqa: BLE001 - nothing deleted: the messages come back
            CDC_MESSAGES.labels("failed").inc(len(messages))
            log.error("cdc batch failed; its messages will be retried", count=len(messages),
                      error=f"{type(exc).__name__}: {str(exc)[:300]}")
            with contextlib.suppress(Exception):
                await self.queue.delay([(m, self.failure_delay) for m in messages])
            return None
        await self._settle(outcome)
        CDC_BATCH.observe(time.perf_counter() - started)
        for lag in outcome.lags:
            CDC_LAG.observe(max(lag, 0.0))
        for result, count in outcome.counts.items():
            CDC_MESSAGES.labels(result).inc(count)
        return outcome

    async def _settle(self, outcome: BatchOutcome) -> None:
        for message, reason in outcome.dead:
            try:
                sent = await self.queue.dead_letter(message, reason)
                await self.store.record_dead_letter(message.message_id, message.body, reason)
            except Exception as exc:  # noqa: BLE001 - kept: it comes back and is tried again
                log.error("dead-lettering failed", message_id=message.message_id,
                          error=str(exc)[:300])
                continue
            if not sent:
                log.error("poison message and no dead-letter queue in the redrive policy; "
                          "kept in the dead_letters table", message_id=message.message_id)
            outcome.delete.append(message)
            log.warning("poison message dead-lettered", message_id=message.message_id,
                        reason=reason)
        if outcome.retry:
            await self.queue.delay(outcome.retry)
        failed = await self.queue.delete(outcome.delete)
        if failed:
            log.warning("sqs refused some deletes; they will be seen as duplicates",
                        ids=failed)
