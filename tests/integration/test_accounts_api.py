"""Keeping accounts through the API (contracts/operations/admin.graphql): the agents list,
createAgent, updateAgent, resetAgentPassword and changePassword, on a fixed clock."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from infrastructure.postgres.agents import SqlAgentRepository
from service_layer.agents import create_automated_agent
from tests.admin_api import LOGIN, PASSWORD, STATUS, admin_env, error_code
from tests.queue_env import NOW

pytestmark = pytest.mark.integration
ME = "{ me { id role } }"
NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } } }")
@pytest.fixture(scope="module")
async def env():
    async with admin_env() as built:
        yield built


@pytest.fixture(autouse=True)
def _at_now(env):
    env[2].now = NOW


# -- who may ------------------------------------------------------------------------------------


ADMIN_ONLY = [("Agents", {"first": 5}),
              ("CreateAgent", {"input": {"email": "x@example.com", "name": "X",
                                         "role": "AGENT", "password": PASSWORD}}),
              ("UpdateAgent", {"id": str(uuid.uuid4()), "input": {"name": "Y"}}),
              ("ResetAgentPassword", {"id": str(uuid.uuid4())})]


@pytest.mark.parametrize(("operation", "variables"), ADMIN_ONLY)
async def test_only_an_admin_keeps_accounts(env, operation, variables):
    _, _, _, api = env
    for role in ("AGENT", "SUPERVISOR", "INTEGRATION"):
        _, token, _ = await api.person(role)
        refused = await api.contract(operation, variables, token)
        assert error_code(refused)[0] == "FORBIDDEN", (role, refused)
    assert error_code(await api.contract(operation, variables, None)) == (
        "UNAUTHENTICATED", "MISSING_TOKEN")


async def test_every_person_changes_their_own_password_but_an_integration_does_not(env):
    _, _, _, api = env
    for role in ("AGENT", "SUPERVISOR", "ADMIN"):
        _, token, email = await api.person(role)
        done = await api.op("ChangePassword", {"current": PASSWORD,
                                               "new": f"{role} chose this one"}, token)
        assert done["changePassword"]["__typename"] == "PasswordChanged"
        assert (await api.login(email, f"{role} chose this one"))["token"]
        assert (await api.login(email, PASSWORD))["__typename"] == "LoginFailed"
    _, token, _ = await api.person("INTEGRATION")
    refused = await api.contract("ChangePassword",
                                 {"current": PASSWORD, "new": "whatever it is"}, token)
    assert error_code(refused)[0] == "FORBIDDEN"


async def test_guessing_the_current_password_is_throttled_like_a_login(env):
    services, _, _, api = env
    _, token, email = await api.person("AGENT")
    free = services.settings.login_free_failures
    for _ in range(free):
        wrong = await api.op("ChangePassword", {"current": "not my password at all",
                                                "new": "a brand new passphrase"}, token)
        assert wrong["changePassword"] == {"__typename": "AgentRejected", "field": "current",
                                           "message": "the current password is wrong"}
    held = await api.contract("ChangePassword", {"current": PASSWORD,
                                                 "new": "a brand new passphrase"}, token)
    assert error_code(held)[0] == "RATE_LIMITED", held  # even the right one waits
    assert held["errors"][0]["extensions"]["retryAfterSeconds"] >= 1
    login = await api.raw(LOGIN, {"e": email, "p": PASSWORD})
    assert error_code(login)[0] == "RATE_LIMITED"  # the same count as the login's


# -- the list -----------------------------------------------------------------------------------


async def test_the_list_pages_by_name_and_filters_by_role_and_active(env):
    services, _, _, api = env
    _, admin, _ = await api.person("ADMIN", "Aaron Admin")
    tag = uuid.uuid4().hex[:6]
    made = [await api.person("SUPERVISOR", f"Sup {tag} {n}") for n in range(3)]
    async with services.pg.acquire() as conn:
        every = await conn.fetchval("SELECT count(*) FROM agents")
        supervisors = await conn.fetchval(
            "SELECT count(*) FROM agents WHERE role = 'SUPERVISOR' AND is_active")
    seen, after = [], None
    while True:
        page = (await api.op("Agents", {"first": 2, "after": after}, admin))["agents"]
        assert page["totalCount"] == every and len(page["edges"]) <= 2
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == every == len({n["id"] for n in seen})
    names = [n["name"] for n in seen]
    assert names == sorted(names)
    assert {m[0] for m in made} <= {n["id"] for n in seen}
    only = (await api.op("Agents", {"first": 100, "role": "SUPERVISOR", "active": True},
                         admin))["agents"]
    assert only["totalCount"] == supervisors == len(only["edges"])
    assert {n["node"]["role"] for n in only["edges"]} == {"SUPERVISOR"}
    node = next(e["node"] for e in only["edges"] if e["node"]["id"] == made[0][0])
    assert node["active"] is True and node["status"] == "OFFLINE"
    assert node["lastLoginAt"] is not None and node["queueTypes"] is None
    bad = await api.contract("Agents", {"first": 2, "after": "not-a-cursor"}, admin)
    assert error_code(bad)[0] == "BAD_USER_INPUT"


# -- creating -----------------------------------------------------------------------------------


async def test_an_admin_creates_an_agent_who_can_log_in(env):
    _, _, _, api = env
    _, admin, _ = await api.person("ADMIN")
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    made = (await api.op("CreateAgent", {"input": {
        "email": email, "name": "New Person", "role": "AGENT", "password": PASSWORD,
        "queueTypes": ["UNSIGNED"]}}, admin))["createAgent"]
    assert made["__typename"] == "AgentSaved"
    assert made["agent"]["queueTypes"] == ["UNSIGNED"] and made["agent"]["active"] is True
    logged = await api.login(email, PASSWORD)
    assert logged["passwordChangeRequired"] is False
    assert logged["agent"]["lastLoginAt"] is not None
    again = (await api.op("CreateAgent", {"input": {
        "email": email.upper(), "name": "Twice", "role": "AGENT", "password": PASSWORD}},
        admin))["createAgent"]
    assert again == {"__typename": "AgentRejected", "field": "email",
                     "message": f"an agent with e-mail {email!r} already exists"}


@pytest.mark.parametrize(("password", "says"), [
    ("short", "at least 10 characters"),
    ("Password123", "one of the most common passwords"),
    ("  iloveyou2  ", "one of the most common passwords"),
    ("policy.person", "must not be the account's e-mail or name"),
    ("x" * 257, "at most 256 characters"),
])
async def test_a_password_that_breaks_the_policy_is_refused_and_nothing_is_made(
        env, password, says):
    services, _, _, api = env
    _, admin, _ = await api.person("ADMIN")
    email = f"policy.person@{uuid.uuid4().hex[:6]}.example.com"
    refused = (await api.op("CreateAgent", {"input": {
        "email": email, "name": "Policy Person", "role": "AGENT", "password": password}},
        admin))["createAgent"]
    assert refused["__typename"] == "AgentRejected" and refused["field"] == "password"
    assert says in refused["message"]
    async with services.pg.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM agents WHERE email = $1", email) == 0


async def test_bad_fields_are_named_together(env):
    _, _, _, api = env
    _, admin, _ = await api.person("ADMIN")
    refused = (await api.op("CreateAgent", {"input": {
        "email": "not an e-mail", "name": " ", "role": "AGENT", "password": "short"}},
        admin))["createAgent"]
    assert refused["field"] is None
    for part in ("e-mail address", "name must be", "at least 10"):
        assert part in refused["message"]
    empty = await api.contract("CreateAgent", {"input": {
        "email": "a@example.com", "name": "A", "role": "AGENT", "password": PASSWORD,
        "queueTypes": []}}, admin)
    assert error_code(empty)[0] == "BAD_USER_INPUT"


# -- changing -----------------------------------------------------------------------------------


async def _leased(services, rows, api, token) -> int:
    user = await rows.user(signature=None)
    await rows.claim(user)
    await services.queues.recompute([user], "test")
    await api.ok(STATUS, token)
    lead = (await api.ok(NEXT, token))["nextLead"]
    assert lead["__typename"] == "LeadAssigned", lead
    return int(lead["assignment"]["user"]["id"])


async def _holder(services, user: int):
    async with services.pg.acquire() as conn:
        return await conn.fetchval("SELECT leased_to FROM queue_entries WHERE user_id = $1",
                                   user)


async def test_renaming_and_narrowing_queues_keep_the_session(env):
    _, _, _, api = env
    _, admin, _ = await api.person("ADMIN")
    agent, token, _ = await api.person("AGENT")
    saved = (await api.op("UpdateAgent", {"id": agent, "input": {
        "name": "Renamed", "queueTypes": ["CALLBACK", "UNSIGNED"]}}, admin))["updateAgent"]
    assert saved["agent"]["name"] == "Renamed"
    assert saved["agent"]["queueTypes"] == ["CALLBACK", "UNSIGNED"]
    assert (await api.ok(ME, token))["me"]["id"] == agent
    every = (await api.op("UpdateAgent", {"id": agent, "input": {"queueTypes": None}},
                          admin))["updateAgent"]
    assert every["agent"]["queueTypes"] is None and every["agent"]["name"] == "Renamed"


@pytest.mark.parametrize(("change", "reason"), [({"active": False}, "AGENT_DISABLED"),
                                                ({"role": "SUPERVISOR"}, "SESSION_ENDED")])
async def test_disabling_or_a_new_role_ends_the_sessions_and_returns_the_lead(
        env, change, reason):
    services, rows, _, api = env
    _, admin, _ = await api.person("ADMIN")
    agent, token, email = await api.person("AGENT")
    user = await _leased(services, rows, api, token)
    assert str(await _holder(services, user)) == agent
    saved = (await api.op("UpdateAgent", {"id": agent, "input": change}, admin))["updateAgent"]
    assert saved["__typename"] == "AgentSaved"
    assert error_code(await api.raw(ME, token=token)) == ("UNAUTHENTICATED", reason)
    assert await _holder(services, user) is None
    async with services.pg.acquire() as conn:
        row = await conn.fetchrow("SELECT status, status_reason FROM agents WHERE id = $1",
                                  uuid.UUID(agent))
    assert row["status"] == "OFFLINE"
    again = await api.login(email, PASSWORD)
    if change.get("active") is False:
        assert again["__typename"] == "LoginFailed"
    else:
        assert (await api.ok(ME, again["token"]))["me"]["role"] == "SUPERVISOR"


async def test_an_update_of_nobody_or_of_nothing_is_refused(env):
    _, _, _, api = env
    _, admin, _ = await api.person("ADMIN")
    agent, _, _ = await api.person("AGENT")
    nobody = str(uuid.uuid4())
    refused = (await api.op("UpdateAgent", {"id": nobody, "input": {"name": "Z"}},
                            admin))["updateAgent"]
    assert refused == {"__typename": "AgentRejected", "field": "id",
                       "message": f"there is no agent {nobody}"}
    nothing = (await api.op("UpdateAgent", {"id": agent, "input": {}}, admin))["updateAgent"]
    assert nothing["__typename"] == "AgentRejected" and "nothing to change" in nothing["message"]
    blank = (await api.op("UpdateAgent", {"id": agent, "input": {"name": "  "}},
                          admin))["updateAgent"]
    assert blank["field"] == "name"


# -- a reset, and the change that must follow ---------------------------------------------------


async def test_a_reset_gives_a_temporary_password_that_only_lets_its_holder_choose_one(env):
    services, rows, _, api = env
    _, admin, _ = await api.person("ADMIN")
    agent, token, email = await api.person("AGENT")
    given = (await api.op("ResetAgentPassword", {"id": agent}, admin))["resetAgentPassword"]
    temporary = given["temporaryPassword"]
    assert len(temporary) >= 16 and given["expiresAt"].startswith("2026-11-25T10:00")
    assert error_code(await api.raw(ME, token=token)) == ("UNAUTHENTICATED", "SESSION_ENDED")
    assert (await api.login(email, PASSWORD))["__typename"] == "LoginFailed"
    logged = await api.login(email, temporary)
    assert logged["passwordChangeRequired"] is True
    held = logged["token"]
    assert (await api.ok(ME, held))["me"]["id"] == agent  # who it is, yes
    assert error_code(await api.raw(NEXT, token=held)) == ("FORBIDDEN", "PASSWORD_CHANGE_REQUIRED")
    common = (await api.op("ChangePassword", {"current": temporary, "new": "password123"},
                           held))["changePassword"]
    assert common["field"] == "new" and "common" in common["message"]
    wrong = (await api.op("ChangePassword", {"current": "not it at all", "new": PASSWORD + "!"},
                          held))["changePassword"]
    assert wrong == {"__typename": "AgentRejected", "field": "current",
                     "message": "the current password is wrong"}
    same = (await api.op("ChangePassword", {"current": temporary, "new": temporary},
                         held))["changePassword"]
    assert same["field"] == "new" and "differ" in same["message"]
    done = (await api.op("ChangePassword", {"current": temporary, "new": "my very own one"},
                         held))["changePassword"]
    assert done["__typename"] == "PasswordChanged"
    await _leased(services, rows, api, held)  # the same session now does everything
    assert (await api.login(email, temporary))["__typename"] == "LoginFailed"
    assert (await api.login(email, "my very own one"))["passwordChangeRequired"] is False


async def test_a_temporary_password_expires(env):
    _, _, clock, api = env
    _, admin, _ = await api.person("ADMIN")
    agent, _, email = await api.person("AGENT")
    temporary = (await api.op("ResetAgentPassword", {"id": agent}, admin)
                 )["resetAgentPassword"]["temporaryPassword"]
    clock.now = NOW + timedelta(hours=24, seconds=1)
    late = await api.login(email, temporary)
    assert late == {"__typename": "LoginFailed", "message": (
        "This temporary password has expired; ask an admin for a new one.")}
    wrong = await api.login(email, "not the password")
    assert wrong["message"] == "Wrong e-mail or password."  # nothing said of a wrong one


async def test_a_reset_of_nobody_or_of_an_automated_agent_is_refused(env):
    services, _, _, api = env
    _, admin, _ = await api.person("ADMIN")
    refused = await api.contract("ResetAgentPassword", {"id": str(uuid.uuid4())}, admin)
    assert error_code(refused)[0] == "BAD_USER_INPUT"
    refused = await api.contract("ResetAgentPassword", {"id": "nope"}, admin)
    assert error_code(refused)[0] == "BAD_USER_INPUT"
    robot = await create_automated_agent(
        services.uow(), email=f"robot-{uuid.uuid4().hex[:6]}@example.com", name="Robot",
        texts_per_hour=None, available=False, at=NOW)
    refused = await api.contract("ResetAgentPassword", {"id": str(robot.id)}, admin)
    assert error_code(refused)[0] == "BAD_USER_INPUT"
    async with services.pg.acquire() as conn:
        assert not await conn.fetchval("SELECT must_change_password FROM agents WHERE id = $1",
                                       robot.id)


async def test_every_account_change_is_in_the_audit_trail(env):
    services, _, _, api = env
    admin_id, admin, _ = await api.person("ADMIN")
    agent, _, _ = await api.person("AGENT")
    await api.op("UpdateAgent", {"id": agent, "input": {"name": "Audited"}}, admin)
    await api.op("ResetAgentPassword", {"id": agent}, admin)
    await services.audit_writer.flush()
    async with services.pg.acquire() as conn:
        done = [r["operation"] for r in await conn.fetch(
            "SELECT operation FROM audit_log WHERE agent_id = $1 AND kind = 'MUTATION' "
            "ORDER BY id", uuid.UUID(admin_id))]
    assert done[-2:] == ["updateAgent", "resetAgentPassword"]


async def test_two_admins_creating_one_e_mail_at_once_make_one_agent(env, monkeypatch):
    services, _, _, api = env
    admins = [(await api.person("ADMIN"))[1] for _ in range(2)]
    email = f"race-{uuid.uuid4().hex[:6]}@example.com"
    both_looked = asyncio.Barrier(2)
    looked = SqlAgentRepository._get_by_email

    async def look_together(self, address):
        found = await looked(self, address)
        if address == email:  # both see no such agent before either writes
            await asyncio.wait_for(both_looked.wait(), 10)
        return found

    monkeypatch.setattr(SqlAgentRepository, "_get_by_email", look_together)
    both = await asyncio.gather(*(api.op("CreateAgent", {"input": {
        "email": email, "name": f"Race {n}", "role": "AGENT", "password": PASSWORD}}, admin)
        for n, admin in enumerate(admins)))
    kinds = sorted(b["createAgent"]["__typename"] for b in both)
    assert kinds == ["AgentRejected", "AgentSaved"], both
    async with services.pg.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM agents WHERE email = $1", email) == 1
