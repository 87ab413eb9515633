import asyncio

from service_layer import periodic


async def test_runs_at_once_survives_a_failure_and_stops_when_told():
    stop, runs, failures = asyncio.Event(), [], []

    async def run():
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first turn fails")
        if len(runs) == 3:
            stop.set()

    await asyncio.wait_for(periodic.every(0.01, run, stop, name="test",
                                          on_failure=lambda n, e: failures.append((n, str(e)))),
                           timeout=5)
    assert runs == [0, 1, 2]
    assert failures == [("test", "first turn fails")]


async def test_stop_cuts_the_wait_short():
    stop, runs = asyncio.Event(), []

    async def run():
        runs.append(1)

    task = asyncio.create_task(periodic.every(3600, run, stop, name="test"))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=1)
    assert runs == [1]
