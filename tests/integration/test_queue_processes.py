"""A rebuild of many ranges spread over two processes gives what one process gives."""

from __future__ import annotations

import pytest

from tests.queue_env import queue_env

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def env():
    async with queue_env(queue_range_size=4, rebuild_processes=2) as built:
        yield built


async def test_two_processes_build_the_same_queue_as_one(env):
    services, rows, _ = env
    users = []
    for n in range(30):  # 8 ranges of 4 ids
        user = await rows.user(signature=None if n % 3 else 5)
        claim = await rows.claim(user, status="complete" if n % 7 == 0 else "new")
        if n % 2:
            await rows.requirement(claim)
        users.append(user)
    first = await services.queues.rebuild()
    assert first.processes == 2  # the other half was built by a child process
    assert first.users == len(users) and first.by_kind == {"ADDED": first.written}
    placed = await services.pg.fetchval("SELECT count(*) FROM queue_entries")
    assert placed == first.written and await services.queues.compare(users) == []
    again = await services.queues.rebuild()
    assert again.processes == 2 and again.changes == [] and again.kept == len(users)
    services.queues.elsewhere, spread = None, services.queues.elsewhere
    try:  # the same rebuild in this process alone, everyone afresh
        assert (await services.queues.rebuild(afresh=True)).changes == []
    finally:
        services.queues.elsewhere = spread
