"""Each queue event is written with its cause, whichever path moved the user."""

from __future__ import annotations

import uuid

import pytest

from domain.users.do_not_call import DoNotCallReason
from tests.admin_api import STATUS, admin_env
from tests.queue_env import NOW

pytestmark = pytest.mark.integration
NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } } }")
DISPOSE = ("mutation($i: DispositionInput!) { recordDisposition(input: $i) { __typename } }")


@pytest.fixture(scope="module")
async def env():
    async with admin_env() as built:
        yield built


@pytest.fixture(autouse=True)
async def _alone(env):
    """Each test's users are the only ones queued, at NOW."""
    env[2].now = NOW
    async with env[0].pg.acquire() as conn:
        await conn.execute("DELETE FROM queue_entries")


async def _unsigned(env, phone: str = "07911 123456") -> int:
    services, rows, _, _ = env
    user = await rows.user(signature=None, phone_number=phone)
    await rows.claim(user)
    await services.queues.recompute([user], "test")
    return user


async def _last(services, user: int) -> tuple[str | None, str | None, str]:
    async with services.pg.acquire() as conn:
        row = await conn.fetchrow("SELECT from_queue, to_queue, cause FROM queue_events "
                                  "WHERE user_id = $1 ORDER BY id DESC LIMIT 1", user)
    return row["from_queue"], row["to_queue"], row["cause"]


async def test_a_user_who_joins_and_then_signs(env):
    services, rows, _, _ = env
    user = await _unsigned(env)
    assert await _last(services, user) == (None, "UNSIGNED", "OTHER")
    await rows.db.execute("UPDATE users SET current_signature_file_id = 5 WHERE id = %s",
                          (user,))
    await services.queues.recompute([user], "cdc")
    assert await _last(services, user) == ("UNSIGNED", None, "SIGNATURE_OBTAINED")


async def test_a_number_gone_bad_is_undialable(env):
    services, rows, _, _ = env
    user = await _unsigned(env)
    await rows.db.execute("UPDATE users SET phone_number = '12' WHERE id = %s", (user,))
    await services.queues.recompute([user], "cdc")
    assert await _last(services, user) == ("UNSIGNED", None, "UNDIALABLE")


async def test_a_do_not_call_entry_and_its_removal(env):
    services, _, _, api = env
    sup_id, _, _ = await api.person("SUPERVISOR")
    user = await _unsigned(env)
    entry = await services.do_not_call.add(user_id=user, phone_number=None,
                                           reason=DoNotCallReason.OTHER, note=None,
                                           by=uuid.UUID(sup_id))
    assert await _last(services, user) == ("UNSIGNED", None, "DO_NOT_CALL")
    await services.do_not_call.remove(entry.id, "in error", uuid.UUID(sup_id))
    assert await _last(services, user) == (None, "UNSIGNED", "DO_NOT_CALL")


async def test_a_disposition_moves_with_its_cause(env):
    services, _, _, api = env
    _, token, _ = await api.person("AGENT")
    user = await _unsigned(env)
    await api.ok(STATUS, token)
    lead = (await api.ok(NEXT, token))["nextLead"]["assignment"]
    assert lead["user"]["id"] == str(user)
    await api.ok(DISPOSE, token, {"i": {"assignmentId": lead["id"], "outcome": "DO_NOT_CALL"}})
    assert await _last(services, user) == ("UNSIGNED", None, "DISPOSITION")


MOVEMENTS = ("query($f: DateTime!, $t: DateTime!, $b: Bucket!) { queueMovements(from: $f, "
             "to: $t, bucket: $b) { bucketStart fromQueue toQueue cause users } }")


async def test_queue_movements_count_users_by_bucket_route_and_cause(env):
    services, rows, clock, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    clock.now = NOW.replace(year=2026, month=7, day=14, hour=9, minute=5)  # BST
    signed = [await _unsigned(env) for _ in range(2)]  # two join UNSIGNED at 09:05 UTC
    for user in signed:
        await rows.db.execute("UPDATE users SET current_signature_file_id = 5 WHERE id = %s",
                              (user,))
    clock.now = clock.now.replace(hour=11)
    await services.queues.recompute(signed, "cdc")  # and sign at 11:05 UTC
    day = {"f": "2026-07-14T00:00:00+01:00", "t": "2026-07-15T00:00:00+01:00"}
    hours = (await api.ok(MOVEMENTS, sup, {**day, "b": "HOUR"}))["queueMovements"]
    assert hours == [
        {"bucketStart": "2026-07-14T09:00:00+00:00", "fromQueue": None, "toQueue": "UNSIGNED",
         "cause": "OTHER", "users": 2},
        {"bucketStart": "2026-07-14T11:00:00+00:00", "fromQueue": "UNSIGNED", "toQueue": None,
         "cause": "SIGNATURE_OBTAINED", "users": 2}]
    days = (await api.ok(MOVEMENTS, sup, {**day, "b": "DAY"}))["queueMovements"]
    assert [(d["bucketStart"], d["cause"], d["users"]) for d in days] == [
        ("2026-07-13T23:00:00+00:00", "OTHER", 2),  # the London day starts 23:00 UTC
        ("2026-07-13T23:00:00+00:00", "SIGNATURE_OBTAINED", 2)]


async def test_queue_movements_refuse_a_bad_period_and_an_agent(env):
    _, _, _, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    _, agent, _ = await api.person("AGENT")
    backwards = await api.raw(MOVEMENTS, {"f": "2026-07-15T00:00:00Z",
                                          "t": "2026-07-14T00:00:00Z", "b": "DAY"}, sup)
    assert backwards["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "from"}
    long = await api.raw(MOVEMENTS, {"f": "2026-01-01T00:00:00Z", "t": "2026-07-14T00:00:00Z",
                                     "b": "DAY"}, sup)
    assert long["errors"][0]["extensions"]["field"] == "to"
    refused = await api.raw(MOVEMENTS, {"f": "2026-07-14T00:00:00Z",
                                        "t": "2026-07-15T00:00:00Z", "b": "DAY"}, agent)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
