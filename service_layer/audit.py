"""The audit trail: a writer that keeps records off the request path, and its reads."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from domain.audit.model import AuditPage, AuditPosition, AuditQuery, AuditRecord
from domain.audit.ports import AuditTrail

log = logging.getLogger(__name__)
# How often an overflowing buffer says so again (it says so at once the first time).
_OVERFLOW_LOG_EVERY_SECONDS = 10.0


class AuditWriter:
    """Buffers this process's audit records and writes them in batches, one statement each.

    ``record`` never waits and never raises: the request goes on whatever PostgreSQL does.
    A task writes the buffer every ``flush_seconds``, or at once when ``batch_size`` records
    wait. A failed write leaves its batch at the head of the buffer and is tried again after
    a growing pause (up to ``retry_cap_seconds``), so nothing is lost while PostgreSQL is
    away. Only past ``max_buffered`` waiting records are new ones dropped, and that is
    logged as an error.
    """

    def __init__(self, trail: AuditTrail, *, flush_seconds: float = 1.0, batch_size: int = 1000,
                 max_buffered: int = 200_000, retry_cap_seconds: float = 60.0):
        self._trail = trail
        self._flush_seconds = flush_seconds
        self._batch_size = batch_size
        self._max_buffered = max_buffered
        self._retry_cap = max(retry_cap_seconds, flush_seconds)
        self._buffer: deque[AuditRecord] = deque()
        self._wake = asyncio.Event()
        self._writing = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._failing = False
        self._closed = False
        self._overflow_logged_at: float | None = None
        self.dropped = 0  # records lost to a full buffer
        self.failed_writes = 0  # batches the store refused (each retried)

    @property
    def pending(self) -> int:
        """Records waiting to be written."""
        return len(self._buffer)

    def record(self, record: AuditRecord) -> None:
        self.record_many((record,))

    def record_many(self, records: Iterable[AuditRecord]) -> None:
        """Buffers the records; returns at once and never raises."""
        try:
            self._buffer_all(list(records))
            self._ensure_running()
        except Exception:  # an audit failure must never fail the request that caused it
            log.exception("audit records could not be buffered")

    def _buffer_all(self, records: list[AuditRecord]) -> None:
        room = self._max_buffered - len(self._buffer)
        if len(records) > room:
            self._overflowed(len(records) - max(room, 0))
            records = records[:max(room, 0)]
        self._buffer.extend(records)
        if len(self._buffer) >= self._batch_size and not self._failing:
            self._wake.set()

    def _overflowed(self, lost: int) -> None:
        self.dropped += lost
        now = time.monotonic()
        last = self._overflow_logged_at
        if last is None or now - last >= _OVERFLOW_LOG_EVERY_SECONDS:
            self._overflow_logged_at = now
            log.error("AUDIT RECORDS LOST: %d records are waiting to be written (the most "
                      "AUDIT_BUFFER_MAX allows); %d new ones were dropped so far. Is "
                      "PostgreSQL reachable and the audit_log table writable?",
                      len(self._buffer), self.dropped)

    def _ensure_running(self) -> None:
        if self._closed or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): close() writes what waits
            return
        # A context of its own: the task outlives the request that happened to start it.
        self._task = loop.create_task(self._run(), name="audit-writer",
                                      context=contextvars.Context())
        self._task.add_done_callback(self._stopped)

    @staticmethod
    def _stopped(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            # The next record starts a new task; what waits is still buffered.
            log.error("the audit writer stopped", exc_info=task.exception())

    async def _run(self) -> None:
        pause = self._flush_seconds
        while not self._closed:
            await self._sleep(pause)
            if self._closed:
                break  # close() writes the rest
            if not self._buffer:
                continue
            try:
                await self.flush()
            except Exception as exc:  # noqa: BLE001 - any failure: keep the batch, try later
                pause = min(self._retry_cap, pause * 2)
                self._failing = True
                self.failed_writes += 1
                if not self._closed:  # a full batch meanwhile does not cut the pause short
                    self._wake.clear()
                log.warning("audit records not written yet (%d waiting), retrying in %.1f s: "
                            "%s: %s", len(self._buffer), pause, type(exc).__name__, exc)
            else:
                if self._failing:
                    log.info("audit records are being written again")
                pause, self._failing = self._flush_seconds, False

    async def _sleep(self, seconds: float) -> None:
        """Until ``seconds`` pass, enough records wait for a batch, or close() is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def flush(self) -> int:
        """Writes the records waiting now, a batch per statement; returns how many.

        Raises the store's error when a batch fails: it and those after it stay buffered.
        """
        written = 0
        async with self._writing:  # one batch in flight, so none is written twice
            target = len(self._buffer)
            while written < target and self._buffer:
                batch = list(islice(self._buffer, min(self._batch_size, target - written)))
                await self._trail.append_many(batch)
                for _ in batch:
                    self._buffer.popleft()
                written += len(batch)
        return written

    async def close(self) -> None:
        """Stops the task (after the batch it is writing) and writes what is left."""
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if not self._buffer:
            return
        try:
            await self.flush()
        except Exception:
            log.exception("AUDIT RECORDS LOST: %d records could not be written at shutdown",
                          len(self._buffer))


@dataclass
class AuditLog:
    """Reading the trail (supervisors) and deleting what is past its keeping time."""

    trail: AuditTrail
    keep_days: int
    purge_chunk: int = 10_000

    async def page(self, *, user_id: int | None, agent_id: uuid.UUID | None, start: datetime,
                   end: datetime, first: int, after: AuditPosition | None) -> AuditPage:
        """Raises InvalidAuditQuery naming the argument at fault."""
        query = AuditQuery.of(user_id=user_id, agent_id=agent_id, start=start, end=end,
                              first=first, after=after, max_days=self.keep_days)
        return await self.trail.page(query)

    async def purge(self, now: datetime) -> int:
        """Deletes entries older than ``keep_days``, a chunk per statement; returns how many."""
        cutoff = now - timedelta(days=self.keep_days)
        removed = 0
        while True:
            deleted = await self.trail.delete_before(cutoff, self.purge_chunk)
            removed += deleted
            if deleted < self.purge_chunk:
                return removed
