"""Timers that run once across every process: a shared lock, and shared marks of when."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

# Clocks of different machines disagree by less than this; a mark further ahead was set
# by a clock since corrected (or a test's), and is taken as never set.
CLOCK_SKEW = timedelta(minutes=1)


class Schedule(Protocol):
    """A lock per name (held by one caller at a time, in any process) and a mark per name."""

    def lock(self, name: str) -> contextlib.AbstractAsyncContextManager[bool]: ...

    async def last(self, name: str) -> datetime | None: ...

    async def mark(self, name: str, at: datetime) -> None: ...


def known(mark: datetime | None, now: datetime) -> datetime | None:
    return None if mark is not None and mark > now + CLOCK_SKEW else mark


def due(mark: datetime | None, now: datetime, every: timedelta) -> bool:
    return mark is None or now - mark >= every


async def run_if_due(schedule: Schedule, name: str, every: timedelta, now: datetime,
                     work: Callable[[], Awaitable[object]]) -> bool:
    """Runs ``work`` unless another caller holds ``name`` or one ran it less than ``every``
    ago; a failed run leaves the mark alone, so the next caller tries again at once."""
    async with schedule.lock(name) as held:
        if not held or not due(known(await schedule.last(name), now), now, every):
            return False
        await work()
        await schedule.mark(name, now)
        return True
