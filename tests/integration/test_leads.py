"""NextLead, dispositions and callbacks through the API, against real PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest

from domain.agents.sessions import Principal
from graphql_api.app import create_app
from service_layer.agents import create_agent
from tests.queue_env import NOW, queue_env
from tests.queue_env import queue_of as _queue_of

pytestmark = pytest.mark.integration

NEXT = ("mutation($t: QueueType!) { nextLead(type: $t) { __typename "
        "... on LeadAssigned { assignment { id queueType expiresAt user { id } } } "
        "... on NoLeadAvailable { reason } } }")
DISPOSE = ("mutation($i: DispositionInput!) { recordDisposition(input: $i) { __typename "
           "... on DispositionRecorded { nextCallAfter queueType } "
           "... on DispositionRejected { message } } }")


@pytest.fixture
async def env():
    async with queue_env() as built:
        yield built


class Api:
    def __init__(self, services):
        self.services = services
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                                      base_url="http://t")

    async def agent(self, role: str = "AGENT"):
        agent = await create_agent(self.services.uow(), self.services.hasher,
                                   policy=self.services.password_policy,
                                   email=f"{uuid.uuid4().hex[:8]}@example.com",
                                   password="long enough password", name="Agent", role=role,
                                   at=NOW)
        return agent, self.services.tokens.issue(Principal(agent.id, agent.role)).token

    async def works_on(self, agent_id: uuid.UUID, *user_ids: int, at=None) -> None:
        """Ties the agent to the users as a finished call with each would."""
        now = at or self.services.clock()
        await self.services.pg.execute(
            "INSERT INTO calls (id, direction, status, user_id, agent_id, started_at, "
            "updated_at) SELECT gen_random_uuid(), 'OUTBOUND', 'COMPLETED', u, $2, $3, $3 "
            "FROM unnest($1::bigint[]) u", list(user_ids), agent_id, now)

    async def __call__(self, query: str, variables: dict, token: str) -> dict:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables},
                                        headers={"Authorization": f"Bearer {token}"})
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture
async def api(env):
    built = Api(env[0])
    yield built
    await built.http.aclose()


async def _unsigned_users(rows, count: int) -> list[int]:
    users = []
    for _ in range(count):
        user_id = await rows.user(signature=None)
        await rows.claim(user_id)
        users.append(user_id)
    return users


async def test_fifty_agents_at_once_never_share_a_user(env, api):
    services, rows, _ = env
    users = await _unsigned_users(rows, 40)
    await services.queues.rebuild()
    tokens = [(await api.agent())[1] for _ in range(50)]
    results = await asyncio.gather(*(api(NEXT, {"t": "UNSIGNED"}, t) for t in tokens))
    leased = [r["nextLead"]["assignment"]["user"]["id"] for r in results
              if r["nextLead"]["__typename"] == "LeadAssigned"]
    assert len(leased) == len(set(leased))
    assert sorted(map(int, leased)) == sorted(users)  # 40 users, 50 agents: all leased once
    reasons = {r["nextLead"]["reason"] for r in results
               if r["nextLead"]["__typename"] == "NoLeadAvailable"}
    assert reasons <= {"no callable entry in UNSIGNED right now"}


async def _queue_users(services) -> list[int]:
    async with services.pg.acquire() as conn:
        return [r[0] for r in await conn.fetch(
            "SELECT user_id FROM queue_entries WHERE queue_type = 'UNSIGNED'")]


async def test_the_most_urgent_entry_comes_first_and_an_agent_holds_one(env, api):
    services, rows, _ = env
    later = await rows.user(signature=None)
    await rows.claim(later, lender="Halifax")
    sooner = await rows.user(signature=None)
    await rows.claim(sooner, lender="Santander")
    await services.queues.rebuild()
    _, token = await api.agent()
    first = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]["assignment"]
    assert first["user"]["id"] == str(sooner)
    assert first["expiresAt"] == (NOW + timedelta(minutes=10)).isoformat()
    again = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]["assignment"]
    assert again["user"]["id"] == str(later)  # asking again hands back the first lead
    _, other = await api.agent()
    returned = (await api(NEXT, {"t": "UNSIGNED"}, other))["nextLead"]["assignment"]
    assert returned["user"]["id"] == str(sooner)


async def test_an_expired_lease_returns_the_entry(env, api):
    services, rows, clock = env
    (user,) = await _unsigned_users(rows, 1)
    await services.queues.rebuild()
    (_, one), (_, two) = await api.agent(), await api.agent()
    assert (await api(NEXT, {"t": "UNSIGNED"}, one))["nextLead"]["__typename"] == "LeadAssigned"
    assert (await api(NEXT, {"t": "UNSIGNED"}, two))["nextLead"]["__typename"] == \
        "NoLeadAvailable"
    clock.now = NOW + timedelta(minutes=11)
    taken = (await api(NEXT, {"t": "UNSIGNED"}, two))["nextLead"]
    assert taken["assignment"]["user"]["id"] == str(user)


async def test_no_lead_outside_the_calling_window_or_the_agents_profile(env, api):
    services, rows, clock = env
    await _unsigned_users(rows, 1)
    await services.queues.rebuild()
    agent, token = await api.agent()
    clock.now = NOW.replace(hour=21)
    late = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]
    assert late["__typename"] == "NoLeadAvailable" and "calling window" in late["reason"]
    clock.now = NOW + timedelta(days=5)  # a Sunday
    assert "Sundays" in (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]["reason"]
    clock.now = NOW
    async with services.uow() as uow:
        (await uow.agents.get(agent.id)).queue_types = frozenset({"CALLBACK"})
        await uow.commit()
    refused = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]
    assert refused["reason"] == "your profile does not include the UNSIGNED queue"


async def test_a_disposition_sets_the_cool_down_and_moves_the_user(env, api):
    services, rows, _ = env
    (user,) = await _unsigned_users(rows, 1)
    await services.queues.rebuild()
    _, token = await api.agent()
    lease = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]["assignment"]
    done = (await api(DISPOSE, {"i": {"assignmentId": lease["id"], "outcome": "NO_ANSWER"}},
                      token))["recordDisposition"]
    assert done == {"__typename": "DispositionRecorded", "queueType": "UNSIGNED",
                    "nextCallAfter": (NOW + timedelta(hours=4)).isoformat()}
    again = (await api(DISPOSE, {"i": {"assignmentId": lease["id"], "outcome": "BUSY"}},
                       token))["recordDisposition"]
    assert again["message"] == "this assignment already has a disposition"
    cooling = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]
    assert cooling["__typename"] == "NoLeadAvailable"
    async with services.pg.acquire() as conn:
        score = await conn.fetchrow("SELECT total_attempts, failed_attempts, last_outcome "
                                    "FROM call_scores WHERE user_id = $1", user)
    assert tuple(score) == (1, 1, "no_answer")


async def test_callback_requested_needs_a_time_in_the_window_and_moves_to_callback(env, api):
    services, rows, clock = env
    (user,) = await _unsigned_users(rows, 1)
    await services.queues.rebuild()
    _, token = await api.agent()
    lease = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]["assignment"]
    base = {"assignmentId": lease["id"], "outcome": "CALLBACK_REQUESTED"}
    for bad, why in ((None, "callbackAt is required"),
                     ((NOW - timedelta(hours=1)).isoformat(), "in the future"),
                     (NOW.replace(hour=22).isoformat(), "calling window")):
        rejected = (await api(DISPOSE, {"i": {**base, "callbackAt": bad}}, token))
        assert why in rejected["recordDisposition"]["message"]
    at = NOW + timedelta(hours=2)
    ok = (await api(DISPOSE, {"i": {**base, "callbackAt": at.isoformat()}}, token))
    assert ok["recordDisposition"]["nextCallAfter"] == at.isoformat()
    clock.now = at
    await services.queues.recompute([user], "callback due")
    lead = (await api(NEXT, {"t": "CALLBACK"}, token))["nextLead"]
    assert lead["assignment"]["user"]["id"] == str(user)


async def test_someone_elses_or_an_expired_lease_is_refused(env, api):
    services, rows, clock = env
    await _unsigned_users(rows, 1)
    await services.queues.rebuild()
    (_, mine), (_, theirs) = await api.agent(), await api.agent()
    lease = (await api(NEXT, {"t": "UNSIGNED"}, mine))["nextLead"]["assignment"]
    stolen = await api(DISPOSE, {"i": {"assignmentId": lease["id"], "outcome": "CONTACTED"}},
                       theirs)
    assert stolen["recordDisposition"]["message"] == "no such assignment of yours"
    clock.now = NOW + timedelta(minutes=30)
    late = await api(DISPOSE, {"i": {"assignmentId": lease["id"], "outcome": "CONTACTED"}},
                     mine)
    assert "expired" in late["recordDisposition"]["message"]


async def test_do_not_call_removes_the_user_for_good(env, api):
    services, rows, _ = env
    (user,) = await _unsigned_users(rows, 1)
    await services.queues.rebuild()
    _, token = await api.agent()
    lease = (await api(NEXT, {"t": "UNSIGNED"}, token))["nextLead"]["assignment"]
    done = await api(DISPOSE, {"i": {"assignmentId": lease["id"], "outcome": "DO_NOT_CALL"}},
                     token)
    assert done["recordDisposition"]["queueType"] is None
    report = await services.queues.rebuild()
    assert report.excluded.get("on the do-not-call list") == 1


SCHEDULE = ("mutation($u: ID!, $at: DateTime!, $p: Boolean) { scheduleCallback(userId: $u, "
            "at: $at, note: \"after lunch\", personal: $p) { __typename "
            "... on CallbackScheduled { callback { id scheduledFor status agent { id } } } "
            "... on CallbackRejected { message } } }")


async def test_a_personal_callback_goes_to_its_agent_first_then_anyone(env, api):
    services, rows, clock = env
    (user,) = await _unsigned_users(rows, 1)
    await services.queues.rebuild()
    # A supervisor may book for anyone; an agent books for users they work on (test_access).
    (booker, booker_token), (_, other_token) = await api.agent("SUPERVISOR"), await api.agent()
    at = NOW + timedelta(hours=1)
    booked = (await api(SCHEDULE, {"u": str(user), "at": at.isoformat(), "p": True},
                        booker_token))["scheduleCallback"]["callback"]
    assert booked["status"] == "pending" and booked["agent"]["id"] == str(booker.id)
    clock.now = at
    await services.timers.tick()
    assert (await api(NEXT, {"t": "CALLBACK"}, other_token))["nextLead"]["__typename"] == \
        "NoLeadAvailable"
    clock.now = at + timedelta(minutes=16)
    taken = (await api(NEXT, {"t": "CALLBACK"}, other_token))["nextLead"]
    assert taken["assignment"]["user"]["id"] == str(user)


async def test_schedule_reschedule_and_cancel_a_callback(env, api):
    services, rows, clock = env
    (user,) = await _unsigned_users(rows, 1)
    await services.queues.rebuild()
    _, token = await api.agent("SUPERVISOR")
    past = await api(SCHEDULE, {"u": str(user), "at": (NOW - timedelta(hours=1)).isoformat()},
                     token)
    assert "in the future" in past["scheduleCallback"]["message"]
    nobody = await api(SCHEDULE, {"u": "123456789", "at": (NOW + timedelta(hours=1)).isoformat()},
                       token)
    assert "no user 123456789" in nobody["scheduleCallback"]["message"]
    first = (await api(SCHEDULE, {"u": str(user), "at": (NOW + timedelta(hours=1)).isoformat()},
                       token))["scheduleCallback"]["callback"]
    second = (await api(SCHEDULE, {"u": str(user), "at": (NOW + timedelta(hours=2)).isoformat()},
                        token))["scheduleCallback"]["callback"]
    async with services.pg.acquire() as conn:
        statuses = dict(await conn.fetch("SELECT id, status FROM callbacks WHERE user_id = $1",
                                         user))
    assert statuses == {int(first["id"]): "rescheduled", int(second["id"]): "pending"}
    clock.now = NOW + timedelta(hours=2)
    await services.queues.recompute([user], "callback due")
    assert await _queue_of(services, user) == "CALLBACK"
    cancelled = await api("mutation($id: ID!) { cancelCallback(id: $id) { id status } }",
                          {"id": second["id"]}, token)
    assert cancelled["cancelCallback"]["status"] == "cancelled"
    assert await _queue_of(services, user) == "UNSIGNED"


async def test_supervisors_narrow_what_an_agent_works(env, api):
    _, rows, _ = env
    agent, agent_token = await api.agent()
    _, supervisor = await api.agent("SUPERVISOR")
    set_types = ("mutation($a: ID!, $t: [QueueType!]) { setAgentQueueTypes(agentId: $a, "
                 "queueTypes: $t) { id queueTypes } }")
    done = await api(set_types, {"a": str(agent.id), "t": ["CALLBACK"]}, supervisor)
    assert done["setAgentQueueTypes"]["queueTypes"] == ["CALLBACK"]
    refused = (await api(NEXT, {"t": "UNSIGNED"}, agent_token))["nextLead"]
    assert refused["reason"] == "your profile does not include the UNSIGNED queue"
    denied = (await api.http.post("/graphql", json={"query": set_types, "variables": {
        "a": str(agent.id), "t": None}}, headers={"Authorization": f"Bearer {agent_token}"}))
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_lead_carries_the_users_claims_and_address_when_asked(env, api):
    services, rows, _ = env
    user = await rows.user(signature=None)
    await rows.address(user)
    await rows.requirement(await rows.claim(user, lender="Halifax"))
    await services.queues.rebuild()
    _, token = await api.agent()
    detail = ("mutation { nextLead(type: UNSIGNED) { ... on LeadAssigned { assignment { "
              "user { claims { lender requirements { type } } address { postCode } } } } } }")
    loaded = (await api(detail, {}, token))["nextLead"]["assignment"]["user"]
    assert loaded == {"claims": [{"lender": "Halifax", "requirements": [
        {"type": "bank_statement"}]}], "address": {"postCode": "LS1 4AP"}}
