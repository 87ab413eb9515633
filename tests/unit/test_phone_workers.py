"""The phone checks' worker pool lets a process that is itself a pool's worker exit."""

from __future__ import annotations

import asyncio
import multiprocessing

from infrastructure.postgres.phones import stop_workers, validate_numbers

ENOUGH = 25_000  # above the size that goes to the pool


def checks_then_exits(done) -> None:
    checked = asyncio.run(validate_numbers(["07911 123456"] * ENOUGH))
    stop_workers()
    done.put(len([n for n in checked if n]))


def test_a_spawned_process_that_used_the_pool_exits():
    context = multiprocessing.get_context("spawn")  # as a rebuild's child process is made
    done = context.Queue()
    child = context.Process(target=checks_then_exits, args=(done,))
    child.start()
    assert done.get(timeout=60) == ENOUGH
    child.join(timeout=30)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive  # its exit waited for pool workers nobody stopped
