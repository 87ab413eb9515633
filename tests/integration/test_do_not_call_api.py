"""The do-not-call list through the API (contracts/operations/admin.graphql): entries by
user and by number, refusals, removal, and the queues following each change."""

from __future__ import annotations

import itertools

import pytest

from infrastructure.postgres.messages import MessagingTx
from tests.admin_api import admin_env, error_code
from tests.queue_env import NOW

pytestmark = pytest.mark.integration
NUMBER = "07912 345{:03d}"
_NUMBERS = itertools.count()


@pytest.fixture(scope="module")
async def env():
    async with admin_env() as built:
        yield built


@pytest.fixture(autouse=True)
def _at_now(env):
    env[2].now = NOW


async def _queued(env, phone: str) -> int:
    """A new user with an unsigned claim, in UNSIGNED."""
    services, rows, _, _ = env
    user = await rows.user(signature=None, phone_number=phone)
    await rows.claim(user)
    await services.queues.recompute([user], "test")
    assert await _queue_of(services, user) == "UNSIGNED"
    return user


async def _queue_of(services, user: int) -> str | None:
    async with services.pg.acquire() as conn:
        return await conn.fetchval("SELECT queue_type FROM queue_entries WHERE user_id = $1",
                                   user)


def _phone() -> tuple[str, str]:
    """A valid UK mobile number no other test here uses, as written and in E.164."""
    n = next(_NUMBERS)
    return NUMBER.format(n), f"+447912345{n:03d}"


async def test_a_user_added_leaves_the_queues_at_once_and_is_listed(env):
    services, _, _, api = env
    sup_id, sup, _ = await api.person("SUPERVISOR", "Sam Supervisor")
    user = await _queued(env, "07911 123456")
    added = (await api.op("AddDoNotCall", {"userId": str(user), "reason": "CUSTOMER_REQUEST",
                                           "note": "asked by e-mail"}, sup))["addDoNotCall"]
    assert added["__typename"] == "DoNotCallAdded"
    assert (added["entry"]["userId"], added["entry"]["reason"]) == (str(user),
                                                                   "CUSTOMER_REQUEST")
    assert await _queue_of(services, user) is None
    listed = (await api.op("DoNotCall", {"first": 50}, sup))["doNotCall"]
    node = next(e["node"] for e in listed["edges"] if e["node"]["id"] == added["entry"]["id"])
    assert (node["note"], node["phoneNumber"], node["createdBy"]) == (
        "asked by e-mail", None, {"id": sup_id, "name": "Sam Supervisor"})
    only = (await api.op("DoNotCall", {"first": 50, "reason": "CUSTOMER_REQUEST"},
                         sup))["doNotCall"]
    assert {e["node"]["reason"] for e in only["edges"]} == {"CUSTOMER_REQUEST"}
    assert only["totalCount"] == len(only["edges"])
    again = (await api.op("AddDoNotCall", {"userId": str(user), "reason": "CUSTOMER_REQUEST"},
                          sup))["addDoNotCall"]
    assert again["entry"]["id"] == added["entry"]["id"]  # one entry, not two


async def test_a_number_blocks_every_user_who_has_it_now_and_later(env):
    services, rows, _, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    written, e164 = _phone()
    first, second = await _queued(env, written), await _queued(env, e164)
    other = await _queued(env, "07911 123456")
    added = (await api.op("AddDoNotCall", {"phoneNumber": f" {written} ",
                                           "reason": "COMPLAINT"}, sup))["addDoNotCall"]
    assert added["entry"]["phoneNumber"] == e164 and added["entry"]["userId"] is None
    assert [await _queue_of(services, u) for u in (first, second, other)] == [
        None, None, "UNSIGNED"]
    later = await _queued(env, "07912 346001")
    await rows.db.execute("UPDATE users SET phone_number = %s WHERE id = %s",
                          (written.replace(" ", "-"), later))
    await services.queues.recompute([later], "test: the phone changed")
    assert await _queue_of(services, later) is None
    # and a rebuild keeps every one of them out
    await services.queues.rebuild()
    assert [await _queue_of(services, u) for u in (first, second, later, other)] == [
        None, None, None, "UNSIGNED"]


async def test_a_user_whose_number_changes_away_from_a_listed_one_is_callable_again(env):
    services, rows, _, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    written, _ = _phone()
    moving, staying, also_by_user = [await _queued(env, written) for _ in range(3)]
    await api.op("AddDoNotCall", {"phoneNumber": written, "reason": "COMPLAINT"}, sup)
    await api.op("AddDoNotCall", {"userId": str(also_by_user), "reason": "OTHER"}, sup)
    new_number, _ = _phone()
    for user in (moving, also_by_user):
        await rows.db.execute("UPDATE users SET phone_number = %s WHERE id = %s",
                              (new_number, user))
    await services.queues.recompute([moving, staying, also_by_user], "test: numbers changed")
    assert [await _queue_of(services, u) for u in (moving, staying, also_by_user)] == [
        "UNSIGNED", None, None]  # the last is still on the list by name


async def test_removing_an_entry_puts_the_user_back_unless_another_covers_them(env):
    services, _, _, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    written, _ = _phone()
    user = await _queued(env, written)
    by_user = (await api.op("AddDoNotCall", {"userId": str(user), "reason": "OTHER"},
                            sup))["addDoNotCall"]["entry"]["id"]
    by_number = (await api.op("AddDoNotCall", {"phoneNumber": written, "reason": "COMPLAINT"},
                              sup))["addDoNotCall"]["entry"]["id"]
    removed = (await api.op("RemoveDoNotCall", {"id": by_user, "note": "sent in error"},
                            sup))["removeDoNotCall"]
    assert removed == {"__typename": "DoNotCallRemoved", "id": by_user}
    assert await _queue_of(services, user) is None  # the number still covers them
    await api.op("RemoveDoNotCall", {"id": by_number, "note": "complaint resolved"}, sup)
    assert await _queue_of(services, user) == "UNSIGNED"
    twice = (await api.op("RemoveDoNotCall", {"id": by_number, "note": "again"},
                          sup))["removeDoNotCall"]
    assert twice == {"__typename": "DoNotCallRejected",
                     "message": f"there is no do-not-call entry {by_number} on the list"}
    async with services.pg.acquire() as conn:
        kept = await conn.fetchrow("SELECT removed_at, removed_by, removal_note FROM "
                                   "do_not_call_entries WHERE id = $1", int(by_number))
    assert kept["removal_note"] == "complaint resolved" and kept["removed_by"] is not None


@pytest.mark.parametrize(("variables", "says"), [
    ({"phoneNumber": "not a number", "reason": "OTHER"},
     "phoneNumber 'not a number' is not a valid phone number"),
    ({"phoneNumber": "0123", "reason": "OTHER"}, "is not a valid phone number"),
    ({"reason": "OTHER"}, "exactly one of userId and phoneNumber"),
    ({"userId": "1", "phoneNumber": "07911 123456", "reason": "OTHER"}, "exactly one"),
    ({"userId": "999999999", "reason": "OTHER"}, "there is no user 999999999"),
    ({"userId": "1", "reason": "SMS_STOP"}, "only from the customer's STOP"),
    ({"phoneNumber": "07911 123456", "reason": "OTHER", "note": "x" * 501}, "longer than 500"),
])
async def test_a_bad_entry_is_refused_with_the_reason_and_changes_nothing(env, variables, says):
    services, _, _, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    async with services.pg.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM do_not_call_entries")
    refused = (await api.op("AddDoNotCall", variables, sup))["addDoNotCall"]
    assert refused["__typename"] == "DoNotCallRejected" and says in refused["message"]
    async with services.pg.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM do_not_call_entries") == before


async def test_an_sms_opt_out_is_lifted_only_by_start(env):
    services, _, clock, api = env
    _, sup, _ = await api.person("SUPERVISOR")
    written, e164 = _phone()
    user = await _queued(env, written)
    async with services.pg.acquire() as conn, conn.transaction():
        await MessagingTx(conn).opt_out(e164, user, "STOP", clock())
    await services.queues.recompute([user], "test")
    assert await _queue_of(services, user) is None
    stop = next(e["node"] for e in (await api.op("DoNotCall", {"first": 100, "reason": "SMS_STOP"},
                                                 sup))["doNotCall"]["edges"]
                if e["node"]["userId"] == str(user))
    refused = (await api.op("RemoveDoNotCall", {"id": stop["id"], "note": "they rang us"},
                            sup))["removeDoNotCall"]
    assert refused == {"__typename": "DoNotCallRejected", "message": (
        "an SMS opt-out is lifted only by the customer texting START")}
    noted = (await api.op("RemoveDoNotCall", {"id": stop["id"], "note": "  "},
                          sup))["removeDoNotCall"]
    assert "a note is required" in noted["message"]
    async with services.pg.acquire() as conn, conn.transaction():
        await MessagingTx(conn).opt_in(e164, user, clock())
    await services.queues.recompute([user], "test")
    assert await _queue_of(services, user) == "UNSIGNED"


async def test_only_supervisors_and_admins_keep_the_list(env):
    _, _, _, api = env
    for role in ("AGENT", "INTEGRATION"):
        _, token, _ = await api.person(role)
        for operation, variables in [("DoNotCall", {"first": 5}),
                                     ("AddDoNotCall", {"userId": "1", "reason": "OTHER"}),
                                     ("RemoveDoNotCall", {"id": "1", "note": "n"})]:
            refused = await api.contract(operation, variables, token)
            assert error_code(refused)[0] == "FORBIDDEN", (role, operation)
    _, admin, _ = await api.person("ADMIN")
    assert "doNotCall" in await api.op("DoNotCall", {"first": 5}, admin)
