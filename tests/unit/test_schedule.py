"""Shared timer schedules: when a mark counts, when work is due, what a failed run leaves."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from service_layer.schedule import CLOCK_SKEW, due, known, run_if_due

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
EVERY = timedelta(seconds=5)


class MemorySchedule:
    def __init__(self, held: bool = True):
        self.held, self.marks = held, {}

    @contextlib.asynccontextmanager
    async def lock(self, name):
        yield self.held

    async def last(self, name):
        return self.marks.get(name)

    async def mark(self, name, at):
        self.marks[name] = at


def test_a_mark_far_ahead_of_this_clock_counts_as_never_set():
    assert known(NOW + CLOCK_SKEW + timedelta(seconds=1), NOW) is None
    assert known(NOW + timedelta(seconds=2), NOW) == NOW + timedelta(seconds=2)  # skew
    assert known(None, NOW) is None


def test_due_when_never_run_or_a_period_has_passed():
    assert due(None, NOW, EVERY)
    assert due(NOW - EVERY, NOW, EVERY)
    assert not due(NOW - timedelta(seconds=4), NOW, EVERY)
    assert not due(NOW + timedelta(seconds=1), NOW, EVERY)  # another clock, slightly ahead


async def test_work_runs_once_per_period_and_only_under_the_lock():
    schedule, runs = MemorySchedule(), []

    async def work():
        runs.append(1)

    assert await run_if_due(schedule, "t", EVERY, NOW, work)
    assert not await run_if_due(schedule, "t", EVERY, NOW + timedelta(seconds=4), work)
    assert await run_if_due(schedule, "t", EVERY, NOW + EVERY, work)
    schedule.held = False
    assert not await run_if_due(schedule, "t", EVERY, NOW + 3 * EVERY, work)
    assert len(runs) == 2 and schedule.marks["t"] == NOW + EVERY


async def test_a_failed_run_leaves_the_mark_so_the_next_caller_tries_at_once():
    schedule = MemorySchedule()

    async def fails():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await run_if_due(schedule, "t", EVERY, NOW, fails)
    assert schedule.marks == {}
