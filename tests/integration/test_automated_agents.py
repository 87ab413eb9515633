"""Automated (AI) agents texting their share of the UNSIGNED queue, against real PostgreSQL,
MariaDB and Redis, Twilio faked at its HTTP boundary and the clock faked; replies through
signed inbound webhooks and the real classifier."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.automation.policy import AUTOMATED, HANDOFF_REPLY, in_share
from domain.links import tokens
from service_layer.agents import create_automated_agent
from tests.integration.test_conversation_actions import EXPLAIN
from tests.integration.test_follow_ups import DISPOSE, NEXT
from tests.integration.test_sms import e164_of, raw, sms_env, texting_user
from tests.integration.test_sms_inbound import inbound_rows, replies, text_us
from tests.queue_env import NOW, queue_of

pytestmark = pytest.mark.integration

STATUS = ("mutation($a: ID, $s: AgentStatus!, $r: String) { setAgentStatus(agentId: $a, "
          "status: $s, reason: $r) { id status automated } }")
LIMIT = ("mutation($a: ID!, $n: Int) { setAutomatedAgentLimit(agentId: $a, textsPerHour: $n) "
         "{ id automated textsPerHour } }")
PERFORMANCE = ("query($f: DateTime!, $t: DateTime!) { agentPerformance(from: $f, to: $t) { "
               "agent { id automated } texts calls } }")


@pytest.fixture
async def env():
    """A dialler of its own per test: the automated agents work whatever the queue holds."""
    async with sms_env() as built:
        agents = built.services.automated_agents
        agents.policy = dataclasses.replace(agents.policy, share_percent=100)
        yield built


async def ai_agent(env, *, available: bool = True, texts_per_hour: int | None = None):
    return await create_automated_agent(
        env.services.uow(), email=f"ai-{uuid.uuid4().hex[:8]}@example.com", name="RMC Assistant",
        texts_per_hour=texts_per_hour, available=available, at=env.clock())


async def turn(env):
    return await env.services.automated_agents.tick()


async def texts_to(env, user: int) -> list[dict]:
    return [dict(r) for r in await env.services.pg.fetch(
        "SELECT * FROM sms_messages WHERE user_id = $1 AND direction = 'OUTBOUND' ORDER BY id",
        user)]


async def due(env, at: datetime, user: int) -> None:
    """At ``at`` the user's callback falls due: they are in the CALLBACK queue."""
    env.clock.now = at
    await env.services.queues.recompute([user], "callback due")
    assert await queue_of(env.services, user) == "CALLBACK"


def sent_to(env, number: str) -> list[str]:
    """The bodies Twilio was given for this number."""
    return [m["Body"] for m in env.http.messages() if m["To"] == number]


async def test_it_texts_each_user_once_with_a_personal_signing_link_saying_it_is_automated(env):
    agent = await ai_agent(env)
    users = [await texting_user(env) for _ in range(3)]
    report = await turn(env)
    assert (report.agents, report.texted, report.passed_over) == (1, 3, 0)
    for user in users:
        (text,) = await texts_to(env, user)
        assert (text["agent_id"], text["automated"]) == (agent.id, True)
        (body,) = sent_to(env, await e164_of(env, user))
        assert AUTOMATED in body and "STOP" in body and body.startswith("Hi ")
        token = body.split("/l/")[1].split()[0]
        assert tokens.is_authentic(env.services.magic_links._key, token)
        assert token not in text["body"]  # the kept copy is masked
        link = await env.services.pg.fetchrow(
            "SELECT * FROM magic_links WHERE user_id = $1", user)
        assert (link["purpose"], link["sent_by"]) == ("SIGN", agent.id)
    assert (await turn(env)).texted == 0  # each rests after its text


async def test_a_texted_user_rests_from_texts_and_calls_until_the_rest_is_over(env):
    await ai_agent(env)
    user = await texting_user(env)
    await turn(env)
    _, token = await env.api.agent()
    assert (await env.api(NEXT, {}, token))["nextLead"]["__typename"] == "NoLeadAvailable"
    await env.services.queues.recompute([user], "a later change")  # the rest outlives it
    assert (await env.api(NEXT, {}, token))["nextLead"]["__typename"] == "NoLeadAvailable"
    env.clock.now = NOW + env.services.automated_agents.policy.rest_after_text
    assert (await env.api(NEXT, {}, token))["nextLead"]["__typename"] == "LeadAssigned"


async def test_it_works_only_its_share_of_the_unsigned_queue(env):
    users = [await texting_user(env) for _ in range(8)]  # ids in a row: buckets in a row
    share = max(users[4] % 100, 1)  # some of them in the share, some not
    agents = env.services.automated_agents
    agents.policy = dataclasses.replace(agents.policy, share_percent=share)
    await ai_agent(env)
    signed = await texting_user(env, signed=True)  # OUTSTANDING_REQUESTS: people only
    await turn(env)
    texted = {u for u in [*users, signed] if await texts_to(env, u)}
    assert texted == {u for u in users if in_share(u, share)}
    assert texted and texted != set(users)


@pytest.mark.parametrize("at", [datetime(2026, 11, 24, 8, 30, tzinfo=UTC),  # calls, no texts
                                datetime(2026, 11, 24, 20, 30, tzinfo=UTC),
                                datetime(2026, 11, 29, 12, 0, tzinfo=UTC)])  # a Sunday
async def test_it_never_texts_outside_sms_hours(env, at):
    await ai_agent(env)
    user = await texting_user(env)
    env.clock.now = at
    assert (await turn(env)).texted == 0
    assert await texts_to(env, user) == []


async def test_it_never_texts_an_opted_out_do_not_call_undialable_or_reviewed_user(env):
    await ai_agent(env)
    opted_out, on_dnc, undialable, reviewed = [await texting_user(env) for _ in range(4)]
    # Each still queued (as if its queue update were yet to come): the text itself refuses.
    await env.services.pg.execute(
        "INSERT INTO sms_opt_outs (e164, user_id, keyword) VALUES ($1, $2, 'STOP')",
        await e164_of(env, opted_out), opted_out)
    await env.services.pg.execute(
        "INSERT INTO do_not_call (user_id, reason) VALUES ($1, 'asked by e-mail')", on_dnc)
    await env.rows.db.execute("UPDATE users SET phone_number = '12345' WHERE id = %s",
                              (undialable,))
    await text_us(env, await e164_of(env, reviewed), "stop calling me at work")
    before = len(env.http.messages())
    report = await turn(env)
    assert (report.texted, report.passed_over) == (0, 4)
    assert len(env.http.messages()) == before
    for user in (opted_out, on_dnc, undialable, reviewed):
        assert [t for t in await texts_to(env, user) if t["agent_id"]] == []
    assert await env.services.pg.fetchval("SELECT count(*) FROM magic_links") == 0
    assert (await turn(env)).passed_over == 0  # passed over for a while, not asked again


async def test_a_supervisor_pauses_it_and_caps_its_texts_an_hour(env):
    agent = await ai_agent(env)
    _, supervisor = await env.api.agent("SUPERVISOR")
    _, person = await env.api.agent()
    users = [await texting_user(env) for _ in range(5)]
    paused = await env.api(STATUS, {"a": str(agent.id), "s": "PAUSED", "r": "break"},
                           supervisor)
    assert paused["setAgentStatus"] == {"id": str(agent.id), "status": "PAUSED",
                                        "automated": True}
    assert (await turn(env)).texted == 0
    capped = await env.api(LIMIT, {"a": str(agent.id), "n": 2}, supervisor)
    assert capped["setAutomatedAgentLimit"]["textsPerHour"] == 2
    await env.api(STATUS, {"a": str(agent.id), "s": "AVAILABLE"}, supervisor)
    assert (await turn(env)).texted == 2
    assert (await turn(env)).texted == 0  # the hour's texts are spent
    env.clock.now = NOW + timedelta(hours=1, seconds=1)
    assert (await turn(env)).texted == 2
    assert sum([len(await texts_to(env, u)) for u in users]) == 4
    refused = await raw(env, STATUS, {"a": str(agent.id), "s": "PAUSED", "r": "break"}, person)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    human, _ = await env.api.agent()
    refused = await raw(env, STATUS, {"a": str(human.id), "s": "PAUSED", "r": "break"},
                        supervisor)
    assert refused["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "agentId"}
    bad = await raw(env, LIMIT, {"a": str(agent.id), "n": -1}, supervisor)
    assert bad["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "textsPerHour"}


async def test_an_unsure_reply_is_handed_to_a_person_in_the_callback_queue(env):
    await ai_agent(env)
    user = await texting_user(env)
    await turn(env)
    twiml = await text_us(env, await e164_of(env, user), "hmm not sure tbh, what about my car one")
    assert replies(twiml) == 1 and HANDOFF_REPLY.split(".")[0] in twiml
    callback = await env.services.pg.fetchrow("SELECT * FROM callbacks WHERE user_id = $1", user)
    assert (callback["status"], callback["agent_id"]) == ("pending", None)
    assert callback["scheduled_for"] == NOW + timedelta(minutes=15)  # as soon as we can
    await due(env, callback["scheduled_for"], user)
    _, token = await env.api.agent()
    lead = (await env.api(NEXT.replace("UNSIGNED", "CALLBACK"), {}, token))["nextLead"]
    assert lead["assignment"]["user"]["id"] == str(user)  # a person takes over, despite the rest
    (inbound,) = await inbound_rows(env, await e164_of(env, user))
    assert inbound["action"] == "HANDED_TO_PERSON"
    _, supervisor = await env.api.agent("SUPERVISOR")
    (shown,) = (await env.api(EXPLAIN, {"u": str(user)}, supervisor))["explainScore"][
        "automaticActions"]
    assert (shown["action"], shown["effectUntil"]) == (
        "HANDED_TO_PERSON", callback["scheduled_for"].isoformat())
    assert shown["queueEffect"].startswith("handed to a person")


async def test_asking_for_a_call_books_it_and_a_confident_thanks_stays_with_the_texts(env):
    await ai_agent(env)
    asks, thanks = await texting_user(env), await texting_user(env)
    await turn(env)
    twiml = await text_us(env, await e164_of(env, asks), "can you call me tomorrow at 3pm")
    assert "we'll call you on Wednesday 25 November at 15:00." in twiml
    await due(env, datetime(2026, 11, 25, 15, 0, tzinfo=UTC), asks)
    await text_us(env, await e164_of(env, thanks), "ok thanks will do it tonight")
    assert await env.services.pg.fetchval(
        "SELECT count(*) FROM callbacks WHERE user_id = $1", thanks) == 0


async def test_an_unsure_reply_to_a_persons_text_is_left_to_that_person(env):
    user = await texting_user(env)
    agent, token = await env.api.agent()
    await env.services.sms.sms.send(user, "Hello from Sam at RMC", agent_id=agent.id)
    twiml = await text_us(env, await e164_of(env, user), "hmm not sure tbh, what about my car one")
    assert replies(twiml) == 0
    assert await env.services.pg.fetchval(
        "SELECT count(*) FROM callbacks WHERE user_id = $1", user) == 0


async def test_it_is_on_agent_performance_beside_people(env):
    agent = await ai_agent(env)
    for _ in range(2):
        await texting_user(env)
    await turn(env)
    _, supervisor = await env.api.agent("SUPERVISOR")
    rows = (await env.api(PERFORMANCE, {"f": (NOW - timedelta(hours=1)).isoformat(),
                                        "t": (NOW + timedelta(hours=1)).isoformat()},
                          supervisor))["agentPerformance"]
    (mine,) = [r for r in rows if r["agent"]["id"] == str(agent.id)]
    assert mine == {"agent": {"id": str(agent.id), "automated": True}, "texts": 2, "calls": 0}


async def test_two_automated_agents_and_ten_people_never_contact_one_customer_at_once(env):
    for _ in range(2):
        await ai_agent(env)
    users = [await texting_user(env) for _ in range(40)]
    people = [await env.api.agent() for _ in range(10)]
    # Two workers' turns at once, as if the lock between them had failed.
    other = dataclasses.replace(env.services.automated_agents)
    leased_by_people: list[int] = []

    async def person(token: str) -> None:
        for _ in range(4):
            lead = (await env.api(NEXT, {}, token))["nextLead"]
            if lead["__typename"] != "LeadAssigned":
                return
            assignment = lead["assignment"]
            leased_by_people.append(int(assignment["user"]["id"]))
            done = await env.api(DISPOSE, {"i": {"assignmentId": assignment["id"],
                                                 "outcome": "NO_ANSWER"}}, token)
            assert done["recordDisposition"]["__typename"] == "DispositionRecorded", done

    await asyncio.gather(env.services.automated_agents._turn(), other._turn(),
                         *(person(token) for _, token in people))
    texted = [r["user_id"] for r in await env.services.pg.fetch(
        "SELECT user_id FROM sms_messages WHERE direction = 'OUTBOUND' AND automated "
        "AND agent_id IS NOT NULL")]
    assert len(texted) == len(set(texted))  # nobody texted by both automated agents
    assert not set(texted) & set(leased_by_people)  # nor texted and called
    assert len(leased_by_people) == len(set(leased_by_people))
    assert set(texted) | set(leased_by_people) <= set(users) and texted and leased_by_people
