"""Property: recomputing only the users each change touches gives exactly what a rebuild gives.

Hypothesis draws random changes to replica rows and to the dialler's own data; after each
change the touched user is recomputed incrementally; then a full rebuild must find nothing
left to change.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.queue_changes import apply, op_strategy, reset
from tests.queue_env import queue_env

pytestmark = pytest.mark.integration
USERS = 8


@pytest.fixture(scope="module")
async def env():
    async with queue_env() as built:
        services, rows, _ = built
        users = [await rows.user(signature=None) for _ in range(USERS)]
        yield services, rows, users


async def _entries(services) -> list:
    async with services.pg.acquire() as conn:
        return await conn.fetch("SELECT user_id FROM queue_entries")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(op_strategy(USERS), min_size=1, max_size=10))
async def test_incremental_recompute_equals_a_full_rebuild(env, ops):
    services, rows, users = env
    await reset(services, rows, users)
    assert len(await _entries(services)) == USERS  # everyone starts in a queue
    for op in ops:
        user = await apply(services, rows, users, op)
        await services.queues.recompute([user], "test")
    report = await services.queues.rebuild()
    assert report.changes == [], [(c.kind, c.user_id, c.from_queue, c.to_queue)
                                  for c in report.changes]
