"""A task that dies is started again, with a log line and a count; stop ends it for good."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import REGISTRY

from sync_worker.supervisor import keep_running


def restarts(task: str) -> float:
    return REGISTRY.get_sample_value("dialler_task_restarts_total", {"task": task}) or 0.0


async def test_a_task_that_raises_or_returns_is_started_again_and_says_so(caplog):
    caplog.set_level(logging.ERROR)
    stop, runs, running = asyncio.Event(), [], asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("the queue went away")
        if len(runs) == 2:
            return  # ended although nobody asked it to
        running.set()
        await stop.wait()

    before = restarts("flaky test task")
    supervisor = asyncio.create_task(keep_running("flaky test task", flaky, stop, pause=0.01,
                                                  longest_pause=0.02))
    await asyncio.wait_for(running.wait(), 10)
    assert len(runs) == 3 and restarts("flaky test task") == before + 2
    said = [str(r.msg) for r in caplog.records if "flaky test task died" in str(r.msg)]
    assert len(said) == 2
    assert "RuntimeError: the queue went away" in said[0]
    assert "returned before being told to stop" in said[1]
    stop.set()
    await asyncio.wait_for(supervisor, 10)
    assert len(runs) == 3  # stopping is not dying: nothing started again


async def test_a_task_that_fails_while_stopping_is_not_restarted():
    stop = asyncio.Event()
    runs = []

    async def dies_on_stop() -> None:
        runs.append(1)
        await stop.wait()
        raise RuntimeError("closed under it")

    before = restarts("stopping test task")
    supervisor = asyncio.create_task(keep_running("stopping test task", dies_on_stop, stop,
                                                  pause=0.01))
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(supervisor, 10)
    assert runs == [1] and restarts("stopping test task") == before
