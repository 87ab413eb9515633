"""The callbacks list and reassignCallbacks through the API (contracts/operations/
admin.graphql), on a fixed clock."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from domain.access.rule import CallbackChanger
from domain.agents.model import Role
from service_layer.agents import create_automated_agent
from tests.admin_api import STATUS, admin_env, error_code
from tests.queue_env import NOW

pytestmark = pytest.mark.integration
NEXT = ("mutation { nextLead(type: CALLBACK) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } } }")


@pytest.fixture(scope="module")
async def env():
    async with admin_env() as built:
        yield built


@pytest.fixture(autouse=True)
def _at_now(env):
    env[2].now = NOW


async def _booked(env, agent_id: str, minutes: int = 30, personal: bool = True,
                  note: str | None = "ring after lunch") -> tuple[int, int]:
    """A callback the agent booked for a new user: (callback id, user id)."""
    services, rows, clock, _ = env
    user = await rows.user(signature=None)
    await rows.claim(user)
    booked = await services.outcomes.schedule(
        user_id=user, at=clock() + timedelta(minutes=minutes),
        changer=CallbackChanger(uuid.UUID(agent_id), Role.AGENT), personal=personal,
        note=note, now=clock())
    return booked["id"], user


async def _list(api, token: str, **variables) -> dict:
    return (await api.op("Callbacks", {"first": 100, **variables}, token))["callbacks"]


async def test_an_agent_sees_their_own_callbacks_and_a_supervisor_everyones(env):
    _, _, _, api = env
    a, a_token, _ = await api.person("AGENT")
    b, b_token, _ = await api.person("AGENT")
    _, sup, _ = await api.person("SUPERVISOR")
    mine = [await _booked(env, a, minutes=m) for m in (60, 30)]
    theirs = await _booked(env, b)
    own = await _list(api, a_token)
    assert own["totalCount"] == 2
    assert [int(e["node"]["id"]) for e in own["edges"]] == [mine[1][0], mine[0][0]]  # by time
    node = own["edges"][0]["node"]
    assert (node["status"], node["personal"], node["note"]) == ("pending", True,
                                                                "ring after lunch")
    assert node["agent"]["id"] == a and node["userId"] == str(mine[1][1])
    assert (await _list(api, a_token, agentId=a))["totalCount"] == 2
    refused = await api.contract("Callbacks", {"first": 5, "agentId": b}, a_token)
    assert error_code(refused)[0] == "FORBIDDEN"
    everyone = await _list(api, sup)
    assert {int(e["node"]["id"]) for e in everyone["edges"]} >= {mine[0][0], mine[1][0],
                                                                 theirs[0]}
    only_b = await _list(api, sup, agentId=b)
    assert [int(e["node"]["id"]) for e in only_b["edges"]] == [theirs[0]]


async def test_the_list_filters_by_status_and_time_and_pages(env):
    services, _, clock, api = env
    a, _, _ = await api.person("AGENT")
    _, sup, _ = await api.person("SUPERVISOR")
    made = [await _booked(env, a, minutes=m) for m in (30, 45, 60, 75)]
    cancelled = await services.outcomes.cancel(
        callback_id=made[3][0], now=clock(), changer=CallbackChanger(uuid.UUID(a), Role.AGENT))
    assert cancelled["status"] == "cancelled"
    pending = await _list(api, sup, agentId=a, status="PENDING")
    assert [int(e["node"]["id"]) for e in pending["edges"]] == [m[0] for m in made[:3]]
    gone = await _list(api, sup, agentId=a, status="CANCELLED")
    assert [int(e["node"]["id"]) for e in gone["edges"]] == [made[3][0]]
    window = await _list(api, sup, agentId=a,
                         **{"from": (NOW + timedelta(minutes=45)).isoformat(),
                            "to": (NOW + timedelta(minutes=75)).isoformat()})
    assert [int(e["node"]["id"]) for e in window["edges"]] == [made[1][0], made[2][0]]
    seen, after = [], None
    while True:
        page = (await api.op("Callbacks", {"first": 1, "after": after, "agentId": a},
                             sup))["callbacks"]
        assert page["totalCount"] == 4
        seen += [int(e["node"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [m[0] for m in made]
    backwards = await api.contract("Callbacks", {
        "first": 5, "from": NOW.isoformat(), "to": NOW.isoformat()}, sup)
    assert error_code(backwards)[0] == "BAD_USER_INPUT"


async def test_a_callback_no_longer_pending_is_no_tie_to_its_user(env):
    """Its note is held back from an agent who has no other tie to the user (a pending
    callback is one; a cancelled one is not)."""
    services, _, clock, api = env
    a, token, _ = await api.person("AGENT")
    done, _ = await _booked(env, a, note="their daughter's number is …")
    await services.outcomes.cancel(callback_id=done, now=clock(),
                                   changer=CallbackChanger(uuid.UUID(a), Role.AGENT))
    later, _ = await _booked(env, a, minutes=60 * 30, note="still booked")
    body = await api.contract("Callbacks", {"first": 10}, token)
    notes = {e["node"]["id"]: e["node"]["note"] for e in body["data"]["callbacks"]["edges"]
             if e is not None and e["node"] is not None}
    assert notes.get(str(later)) == "still booked"  # pending: they work on that user
    assert [(e["path"][-1], e["extensions"]["code"]) for e in body["errors"]] == [
        ("note", "FORBIDDEN")]


# -- reassigning --------------------------------------------------------------------------------


async def test_reassigned_callbacks_reach_the_new_agent_through_next_lead(env):
    services, _, clock, api = env
    a, a_token, _ = await api.person("AGENT")
    b, b_token, _ = await api.person("AGENT")
    _, sup, _ = await api.person("SUPERVISOR")
    booked, user = await _booked(env, a, minutes=15)
    clock.now = NOW + timedelta(minutes=16)  # due now; personal: A's alone for a while
    await services.queues.recompute([user], "test")
    moved = (await api.op("ReassignCallbacks", {"fromAgentId": a, "toAgentId": b},
                          sup))["reassignCallbacks"]
    assert moved == {"__typename": "CallbacksReassigned", "count": 1}
    async with services.pg.acquire() as conn:
        entry = await conn.fetchrow("SELECT queue_type, personal_agent_id FROM queue_entries "
                                    "WHERE user_id = $1", user)
        assert await conn.fetchval("SELECT count(*) FROM queue_dirty WHERE user_id = $1",
                                   user) == 0
    assert (entry["queue_type"], str(entry["personal_agent_id"])) == ("CALLBACK", b)
    await api.ok(STATUS, a_token)
    await api.ok(STATUS, b_token)
    assert (await api.ok(NEXT, a_token))["nextLead"]["__typename"] == "NoLeadAvailable"
    lead = (await api.ok(NEXT, b_token))["nextLead"]
    assert lead["assignment"]["user"]["id"] == str(user)
    assert [int(e["node"]["id"]) for e in (await _list(api, b_token))["edges"]] == [booked]
    assert (await _list(api, a_token, status="PENDING"))["totalCount"] == 0


async def test_only_the_ids_named_move(env):
    _, _, _, api = env
    a, _, _ = await api.person("AGENT")
    b, b_token, _ = await api.person("AGENT")
    _, sup, _ = await api.person("SUPERVISOR")
    first, second = await _booked(env, a), await _booked(env, a, minutes=45)
    moved = (await api.op("ReassignCallbacks", {"fromAgentId": a, "toAgentId": b,
                                                "ids": [str(second[0])]}, sup))
    assert moved["reassignCallbacks"]["count"] == 1
    assert [int(e["node"]["id"]) for e in (await _list(api, b_token))["edges"]] == [second[0]]
    assert [int(e["node"]["id"]) for e in (await _list(api, sup, agentId=a))["edges"]] == [
        first[0]]


async def test_a_reassignment_that_cannot_be_is_refused_and_changes_nothing(env):
    services, _, _, api = env
    _, admin, _ = await api.person("ADMIN")
    a, _, _ = await api.person("AGENT")
    away, _, _ = await api.person("AGENT", "Away Person")
    narrow, _, _ = await api.person("AGENT", "Narrow Person")
    _, sup, _ = await api.person("SUPERVISOR")
    await api.op("UpdateAgent", {"id": away, "input": {"active": False}}, admin)
    await api.op("UpdateAgent", {"id": narrow, "input": {"queueTypes": ["UNSIGNED"]}}, admin)
    robot = await create_automated_agent(
        services.uow(), email=f"robot-{uuid.uuid4().hex[:6]}@example.com", name="Robot",
        texts_per_hour=None, available=False, at=NOW)
    booked, _ = await _booked(env, a)
    for to, says in [(away, "Away Person is not active"),
                     (narrow, "Narrow Person does not work the CALLBACK queue"),
                     (str(robot.id), "Robot is an automated agent"),
                     (a, "the callbacks are that agent's already"),
                     (str(uuid.uuid4()), "there is no agent")]:
        refused = (await api.op("ReassignCallbacks", {"fromAgentId": a, "toAgentId": to},
                                sup))["reassignCallbacks"]
        assert refused["__typename"] == "ReassignRejected" and says in refused["message"]
    other, _, _ = await api.person("AGENT")
    not_theirs, _ = await _booked(env, other)
    refused = (await api.op("ReassignCallbacks", {
        "fromAgentId": a, "toAgentId": other, "ids": [str(booked), str(not_theirs)]},
        sup))["reassignCallbacks"]
    assert refused == {"__typename": "ReassignRejected", "message": (
        f"callback {not_theirs} is not a pending callback of that agent; "
        "nothing was reassigned")}
    async with services.pg.acquire() as conn:
        assert str(await conn.fetchval("SELECT agent_id FROM callbacks WHERE id = $1",
                                       booked)) == a
    bad = await api.contract("ReassignCallbacks", {"fromAgentId": a, "toAgentId": other,
                                                   "ids": ["x"]}, sup)
    assert error_code(bad)[0] == "BAD_USER_INPUT"


async def test_two_reassignments_at_once_hand_each_callback_to_one_agent(env):
    services, _, _, api = env
    a, _, _ = await api.person("AGENT")
    b, _, _ = await api.person("AGENT")
    c, _, _ = await api.person("AGENT")
    _, sup, _ = await api.person("SUPERVISOR")
    made = [await _booked(env, a, minutes=30 + m) for m in range(6)]
    both = await asyncio.gather(*(api.op("ReassignCallbacks", {"fromAgentId": a,
                                                               "toAgentId": to}, sup)
                                  for to in (b, c)))
    # The second waits for the first's locks, then finds none of them A's any more.
    assert sorted(r["reassignCallbacks"]["count"] for r in both) == [0, 6]
    async with services.pg.acquire() as conn:
        holders = await conn.fetch("SELECT agent_id FROM callbacks WHERE id = ANY($1)",
                                   [m[0] for m in made])
    assert len(holders) == 6 and len({h["agent_id"] for h in holders}) == 1
    assert str(holders[0]["agent_id"]) in (b, c)


async def test_who_may_list_and_reassign(env):
    _, _, _, api = env
    a, agent, _ = await api.person("AGENT")
    b, _, _ = await api.person("AGENT")
    _, integration, _ = await api.person("INTEGRATION")
    assert error_code(await api.contract("Callbacks", {"first": 5}, integration))[0] == "FORBIDDEN"
    assert error_code(await api.contract("Callbacks", {"first": 5}, None))[0] == "UNAUTHENTICATED"
    refused = await api.contract("ReassignCallbacks", {"fromAgentId": a, "toAgentId": b},
                                 agent)
    assert error_code(refused)[0] == "FORBIDDEN"
