"""Keeps a long-running task alive: one that dies is started again, and says so."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from infrastructure.logging import get_logger
from infrastructure.metrics import TASK_RESTARTS

log = get_logger(__name__)


async def keep_running(name: str, start: Callable[[], Awaitable[object]],
                       stop: asyncio.Event, *, pause: float = 1.0,
                       longest_pause: float = 60.0) -> None:
    """Runs ``start()`` until ``stop``. When it raises, or returns before ``stop``, it is
    started again after ``pause`` seconds, doubled after each quick death up to
    ``longest_pause`` (a run that lasted longer than that starts the count afresh)."""
    wait = pause
    while not stop.is_set():
        began = time.monotonic()
        died: BaseException | None = None
        try:
            await start()
        except Exception as exc:  # noqa: BLE001 - whatever killed it, it is started again
            died = exc
        if stop.is_set():
            return
        if time.monotonic() - began > longest_pause:
            wait = pause
        TASK_RESTARTS.labels(name).inc()
        reason = f"{type(died).__name__}: {str(died)[:300]}" if died \
            else "it returned before being told to stop"
        log.error(f"{name} died; restarting it", reason=reason, in_seconds=wait,
                  exc_info=died)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
        wait = min(wait * 2, longest_pause)
