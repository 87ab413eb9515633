"""queueFlow (contracts/operations/admin.graphql) on known data, and who may ask."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.admin_api import admin_env, error_code

pytestmark = pytest.mark.integration
DAY = datetime(2026, 11, 20, tzinfo=UTC)  # London is on UTC in November
PERIOD = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()}
H = timedelta(hours=1)


@pytest.fixture(scope="module")
async def env():
    async with admin_env() as built:
        yield built


@pytest.fixture(scope="module")
async def known(env):
    """Joins (ADDED, or MOVED in) on DAY, with contacts and conversions before and after."""
    services, _, _, api = env
    agent, _, _ = await api.person("AGENT")
    events = [
        (101, "ADDED", None, "UNSIGNED", DAY + 9 * H),
        (101, "MOVED", "CALLBACK", "UNSIGNED", DAY + 15 * H),  # a second join: not counted
        (102, "ADDED", None, "UNSIGNED", DAY + 9 * H),
        (103, "MOVED", "CALLBACK", "UNSIGNED", DAY + 11 * H),
        (104, "ADDED", None, "UNSIGNED", DAY - timedelta(seconds=1)),  # the day before
        (105, "ADDED", None, "UNSIGNED", DAY + 12 * H),  # never reached
        (106, "MOVED", "UNSIGNED", "CALLBACK", DAY + 13 * H),
        (107, "RESCORED", "UNSIGNED", "UNSIGNED", DAY + 10 * H),  # no join
        (108, "REMOVED", "UNSIGNED", None, DAY + 10 * H),
    ]
    dispositions = [
        (101, "no_answer", DAY + 9.5 * H),  # not a contact
        (101, "contacted", DAY + 10 * H),  # 3,600 s
        (102, "do_not_call", DAY + 9 * H + timedelta(minutes=10)),  # 600 s
        (103, "contacted", DAY + 8 * H),  # before the join
        (103, "not_interested", DAY + 59 * H),  # 172,800 s: after the period, still counted
        (106, "callback_requested", DAY + 13 * H + timedelta(seconds=30)),  # 30 s
    ]
    conversions = [(101, DAY + 12 * H), (103, DAY + 35 * H), (102, DAY + 8 * H)]  # last: before
    async with services.pg.acquire() as conn:
        await conn.executemany(
            "INSERT INTO queue_events (user_id, kind, from_queue, to_queue, reason, "
            "occurred_at, cause) VALUES ($1, $2, $3, $4, 'test', $5, 'OTHER')", events)
        await conn.executemany(
            "INSERT INTO dispositions (lease_id, user_id, agent_id, queue_type, outcome, "
            "created_at) VALUES (gen_random_uuid(), $1, $2, 'UNSIGNED', $3, $4)",
            [(user, uuid.UUID(agent), outcome, at) for user, outcome, at in dispositions])
        await conn.executemany(
            "INSERT INTO conversions (dedupe_key, kind, user_id, occurred_at) "
            "VALUES (gen_random_uuid()::text, 'SIGNED', $1, $2)", conversions)


async def test_each_queue_has_who_joined_and_how_soon_they_were_reached(env, known):
    _, _, _, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    flows = (await api.op("QueueFlow", PERIOD, sup))["queueFlow"]
    assert flows == [
        {"queueType": "CALLBACK", "joined": 1, "medianSecondsToFirstContact": 30.0,
         "p90SecondsToFirstContact": 30.0, "medianSecondsToConversion": None},
        {"queueType": "UNSIGNED", "joined": 4, "medianSecondsToFirstContact": 3600.0,
         # interpolated between 3,600 and 172,800 s, 80% of the way
         "p90SecondsToFirstContact": pytest.approx(3600 + 0.8 * (172800 - 3600)),
         "medianSecondsToConversion": (10800 + 86400) / 2},
        {"queueType": "OUTSTANDING_REQUESTS", "joined": 0,
         "medianSecondsToFirstContact": None, "p90SecondsToFirstContact": None,
         "medianSecondsToConversion": None}]


async def test_a_period_nobody_joined_in_has_every_queue_empty(env, known):
    _, _, _, api = env
    _, admin, _ = await api.person("ADMIN")
    flows = (await api.op("QueueFlow", {"from": "2026-07-01T00:00:00Z",
                                        "to": "2026-07-02T00:00:00Z"}, admin))["queueFlow"]
    assert [(f["queueType"], f["joined"], f["medianSecondsToFirstContact"]) for f in flows] == [
        ("CALLBACK", 0, None), ("UNSIGNED", 0, None), ("OUTSTANDING_REQUESTS", 0, None)]


async def test_only_supervisors_and_admins_see_the_flow(env):
    _, _, _, api = env
    for role in ("AGENT", "INTEGRATION"):
        _, token, _ = await api.person(role)
        refused = await api.contract("QueueFlow", PERIOD, token)
        assert error_code(refused)[0] == "FORBIDDEN", role
        assert refused["data"] is None
    for role in ("SUPERVISOR", "ADMIN"):
        _, token, _ = await api.person(role)
        assert len((await api.op("QueueFlow", PERIOD, token))["queueFlow"]) == 3, role
    assert error_code(await api.contract("QueueFlow", PERIOD, None))[0] == "UNAUTHENTICATED"


@pytest.mark.parametrize(("period", "field"), [
    ({"from": "2026-11-21T00:00:00Z", "to": "2026-11-20T00:00:00Z"}, "from"),  # backwards
    ({"from": "2026-01-01T00:00:00Z", "to": "2026-11-20T00:00:00Z"}, "to"),  # too long
    ({"from": "2026-11-20T00:00:00", "to": "2026-11-21T00:00:00Z"}, "from"),  # no offset
])
async def test_a_bad_period_is_refused_by_name(env, period, field):
    _, _, _, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    body = await api.contract("QueueFlow", period, sup)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
