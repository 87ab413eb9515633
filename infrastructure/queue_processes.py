"""A rebuild's ranges spread over processes: each child builds its share with the same code.

A child is a fresh interpreter (spawned, not forked: the parent's connections and threads
must not be copied into it) that opens its own connections from the same settings, runs
QueueMaintainer.rebuild_ranges on its ranges for the parent's rebuild (the same start,
so the same marks rule holds) and publishes its own events; its report comes back whole.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from infrastructure.settings import Settings
from service_layer.queues import RangeWorkers, RefreshReport


class ProcessRangeWorkers(RangeWorkers):
    def __init__(self, settings: Settings, processes: int):
        self._settings, self._processes = settings, processes

    async def rebuild(self, numbers: list[int], range_size: int, started: int,
                      afresh: bool) -> RefreshReport:
        settings = self._settings.model_copy(update={"queue_range_size": range_size})
        children = max(1, min(self._processes - 1, len(numbers)))
        size = -(-len(numbers) // children)
        shares = [numbers[i:i + size] for i in range(0, len(numbers), size)]
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(len(shares), mp_context=multiprocessing.get_context("spawn")
                                 ) as pool:
            reports = await asyncio.gather(*(
                loop.run_in_executor(pool, rebuild_in_child, settings, share, started, afresh)
                for share in shares))
        report = reports[0]
        for other in reports[1:]:
            report.merge(other)
        return report


def rebuild_in_child(settings: Settings, numbers: list[int], started: int,
                     afresh: bool) -> RefreshReport:
    return asyncio.run(_rebuild(settings, numbers, started, afresh))


async def _rebuild(settings: Settings, numbers: list[int], started: int,
                   afresh: bool) -> RefreshReport:
    from infrastructure.bootstrap_queues import bootstrap_queues
    from infrastructure.postgres.phones import stop_workers
    from infrastructure.runtime import settle_heap

    services = await bootstrap_queues(settings, spread=False)
    settle_heap()
    try:
        return await services.queues.rebuild_ranges(numbers, started, afresh)
    finally:
        await services.close()
        stop_workers()
