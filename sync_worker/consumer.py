"""Long-polling pollers: apply each batch, then delete, delay or dead-letter its messages.

A poller ends only when told to stop: a batch that fails comes back later, and an SQS call
that fails while settling a batch is retried a few times, then left to the visibility
timeout (the message comes back and is seen as a duplicate, or applied then).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from domain.sync.ports import DeadLetters
from infrastructure.logging import get_logger
from infrastructure.metrics import CDC_BATCH, CDC_LAG, CDC_MESSAGES
from service_layer.cdc import BatchOutcome, ChangeApplier, Incoming
from sync_worker.sqs import SqsQueue

log = get_logger(__name__)
T = TypeVar("T")


@dataclass
class Consumer:
    queue: SqsQueue
    applier: ChangeApplier
    store: DeadLetters
    pollers: int = 2
    batch_size: int = 10
    wait_seconds: int = 20
    failure_delay: int = 5
    # On stop, how long an open long poll may still take; past it the poll is dropped and
    # anything SQS handed it comes back after its visibility timeout (never lost).
    shutdown_grace: float = 3.0
    # A failed delete or visibility change: tried this many times in all, waiting
    # retry_pause, then twice that, and so on, between tries.
    sqs_attempts: int = 4
    retry_pause: float = 0.25

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
            if not messages:
                continue
            try:
                await self.handle(messages)
            except Exception:  # noqa: BLE001 - handle() does not raise; if it ever did, the
                # messages come back after their visibility timeout and the poller goes on
                log.exception("cdc batch handling failed unexpectedly", poller=number)

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
            await self._settle_call("visibility change", self.queue.delay,
                                    [(m, 0) for m in late], attempts=1)
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
            await self._settle_call("visibility change", self.queue.delay,
                                    [(m, self.failure_delay) for m in messages])
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
            if await self._dead_letter(message, reason):
                outcome.delete.append(message)
        if outcome.retry:
            await self._settle_call("visibility change", self.queue.delay, outcome.retry)
        if outcome.delete:
            await self._settle_call("delete", self.queue.delete, outcome.delete)

    async def _dead_letter(self, message: Incoming, reason: str) -> bool:
        """Sends a poison message to the dead-letter queue and records it; False: kept (it
        comes back and is tried again)."""
        # A body or reason SQS or PostgreSQL cannot carry as is (lone surrogates, control
        # characters) is escaped, or dead-lettering would fail the same way every time.
        safe = Incoming(message.message_id, message.receipt, sqs_text(message.body),
                        message.receive_count)
        reason = sqs_text(reason)
        try:
            sent = await self.queue.dead_letter(safe, reason)
            await self.store.record_dead_letter(safe.message_id, safe.body, reason)
        except Exception as exc:  # noqa: BLE001 - kept: it comes back and is tried again
            log.error("dead-lettering failed", message_id=message.message_id,
                      error=str(exc)[:300])
            return False
        if not sent:
            log.error("poison message and no dead-letter queue in the redrive policy; "
                      "kept in the dead_letters table", message_id=message.message_id)
        log.warning("poison message dead-lettered", message_id=message.message_id,
                    reason=reason)
        return True

    async def _settle_call(self, what: str, call: Callable[[list[T]], Awaitable[list[T]]],
                           items: Sequence[T], attempts: int | None = None) -> None:
        """``call(items)`` until SQS takes them all, a bounded number of times with a growing
        pause; what is still refused then is logged and left to the visibility timeout."""
        pending, attempts = list(items), attempts or self.sqs_attempts
        for attempt in range(1, attempts + 1):
            try:
                pending = await call(pending)
                error = "refused by SQS"
            except Exception as exc:  # noqa: BLE001 - SQS unreachable or erring: try again
                error = f"{type(exc).__name__}: {str(exc)[:300]}"
            if not pending:
                return
            if attempt < attempts:
                log.warning(f"sqs {what} failed; trying again", attempt=attempt,
                            count=len(pending), error=error)
                await asyncio.sleep(self.retry_pause * 2 ** (attempt - 1))
        CDC_MESSAGES.labels(f"{what.replace(' ', '_')}_failed").inc(len(pending))
        log.error(f"sqs {what} failed {attempts} times; the messages come back after their "
                  "visibility timeout", count=len(pending), error=error)


def sqs_text(text: str) -> str:
    """``text`` with what an SQS message (and a PostgreSQL text column) cannot hold escaped:
    control characters other than tab and newlines, lone surrogates, U+FFFE and U+FFFF."""
    if all(_sqs_allowed(c) for c in text):
        return text
    return "".join(c if _sqs_allowed(c) else f"\\u{ord(c):04x}" for c in text)


def _sqs_allowed(char: str) -> bool:
    code = ord(char)
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or code >= 0x10000)
