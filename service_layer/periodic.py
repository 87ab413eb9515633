"""Work run on a period until told to stop: the loop the timers and the sync worker share."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

OnFailure = Callable[[str, Exception], None]


def log_failure(name: str, exc: Exception) -> None:
    log.error("%s tick failed", name, exc_info=exc)


async def every(seconds: float, run: Callable[[], Awaitable[object]], stop: asyncio.Event, *,
                name: str, on_failure: OnFailure = log_failure) -> None:
    """Calls ``run`` now and then every ``seconds`` until ``stop``, which also cuts a wait
    short. A run that raises goes to ``on_failure`` and is tried again a turn later."""
    while not stop.is_set():
        try:
            await run()
        except Exception as exc:  # noqa: BLE001 - a failed turn is retried on the next one
            on_failure(name, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
