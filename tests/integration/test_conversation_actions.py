"""What the dialler does about a confidently read text that is no opt-out, through signed
inbound webhooks and the real (lazily trained) classifier."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from domain.calls.outcomes import CallOutcome
from domain.conversations.actions import SHOWN_AT_MOST, SHOWN_FOR
from domain.links import tokens
from domain.links.masking import tokens_in
from domain.links.model import Channel, Purpose
from domain.messaging.model import SmsRejection
from infrastructure.postgres.conversation_actions import PgActionHistory
from service_layer.conversation_actions import (
    ALREADY_DONE_REPLY,
    COMPLAINT_REPLY,
    REMINDERS_HELD,
    WRONG_PERSON_REPLY,
)
from service_layer.magic_links import LinkIssued
from tests.integration.test_follow_ups import DISPOSE, NEXT, follow_ups_of
from tests.integration.test_link_tokens_at_rest import LINK, REDEEM, everything_kept, redeemable_in
from tests.integration.test_sms import e164_of, module_fixtures, sms_env, texting_user
from tests.integration.test_sms_inbound import inbound_rows, replies, text_us
from tests.integration.test_text_reviews import REVIEWS, automated
from tests.queue_env import NOW, queue_of

pytestmark = pytest.mark.integration


CONVERSATION = ("query($u: ID!) { conversation(userId: $u, first: 50) { edges { node { "
                "id direction body intent intentConfidence action } } } }")
PLAIN_CONVERSATION = ("query($u: ID!) { conversation(userId: $u, first: 50) { edges { node { "
                      "id direction body } } } }")
EXPLAIN = ("query($u: ID!) { explainScore(userId: $u) { userId automaticActions { messageId "
           "at intent confidence action queueEffect effectUntil } } }")


env, _reset = module_fixtures()  # this module's own dialler; the clock reset per test


async def thread(env, user: int) -> list[tuple[str, str]]:
    rows = await env.services.pg.fetch(
        "SELECT direction, body FROM sms_messages WHERE user_id = $1 ORDER BY id", user)
    return [(r["direction"], r["body"]) for r in rows]


async def callbacks_of(env, user: int) -> list[dict]:
    return [dict(r) for r in await env.services.pg.fetch(
        "SELECT * FROM callbacks WHERE user_id = $1 ORDER BY id", user)]


async def test_a_wrong_person_is_blocked_out_of_every_queue_and_answered(env):
    user = await texting_user(env)
    assert await queue_of(env.services, user) is not None
    twiml = await text_us(env, await e164_of(env, user), "Wrong number")
    assert replies(twiml) == 1 and "won't text this number again" in twiml
    assert await queue_of(env.services, user) is None
    block = await env.services.pg.fetchrow("SELECT * FROM call_blocks WHERE user_id = $1", user)
    assert block["wrong_number_phone"] is not None
    assert (await thread(env, user))[-2:] == [("INBOUND", "Wrong number"),
                                              ("OUTBOUND", WRONG_PERSON_REPLY)]
    (inbound,) = await inbound_rows(env, await e164_of(env, user))
    assert inbound["action"] == "BLOCKED_WRONG_NUMBER"


async def test_a_callback_request_is_booked_in_the_window_and_confirmed(env):
    user = await texting_user(env)
    twiml = await text_us(env, await e164_of(env, user), "can you call me back tomorrow at 3pm")
    assert "we'll call you on Wednesday 25 November at 15:00." in twiml
    (callback,) = await callbacks_of(env, user)
    assert (callback["scheduled_for"], callback["status"], callback["agent_id"]) == (
        datetime(2026, 11, 25, 15, 0, tzinfo=UTC), "pending", None)


async def test_a_callback_outside_the_window_moves_to_its_next_opening(env):
    user = await texting_user(env)
    twiml = await text_us(env, await e164_of(env, user), "please ring me tomorrow at 10pm")
    assert "Thursday 26 November at 08:00" in twiml
    (callback,) = await callbacks_of(env, user)
    assert callback["scheduled_for"] == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


async def test_a_callback_across_the_clock_change_is_at_the_london_time_asked(env):
    env.clock.now = datetime(2026, 10, 23, 10, 0, tzinfo=UTC)  # Friday, BST
    user = await texting_user(env)
    twiml = await text_us(env, await e164_of(env, user), "call me back on monday at 3pm")
    assert "Monday 26 October at 15:00" in twiml
    (callback,) = await callbacks_of(env, user)
    assert callback["scheduled_for"] == datetime(2026, 10, 26, 15, 0, tzinfo=UTC)  # GMT


async def test_a_callback_is_personal_to_the_agent_who_last_called_them():
    async with sms_env() as here:
        user = await texting_user(here)
        agent, token = await here.api.agent()
        lead = (await here.api(NEXT, {}, token))["nextLead"]["assignment"]
        assert lead["user"]["id"] == str(user)
        await here.api(DISPOSE, {"i": {"assignmentId": lead["id"], "outcome": "NO_ANSWER"}},
                       token)
        here.clock.now = NOW + timedelta(hours=2)
        await text_us(here, await e164_of(here, user), "can you call me back tomorrow at 3pm")
        (callback,) = [c for c in await callbacks_of(here, user) if c["status"] == "pending"]
        assert (callback["agent_id"], callback["personal"]) == (agent.id, True)


async def test_already_done_rechecks_the_replica_at_once_and_holds_reminders(env):
    user = await texting_user(env)
    await env.services.sms.follow_ups.after_disposition(user, CallOutcome.NO_ANSWER, None, NOW)
    (before,) = await follow_ups_of(env.services, user)
    assert await queue_of(env.services, user) == "UNSIGNED"
    await env.rows.db.execute("UPDATE users SET current_signature_file_id = 88123, "
                              "updated_at = %s WHERE id = %s", (NOW, user))
    twiml = await text_us(env, await e164_of(env, user), "I've already done it")
    assert ALREADY_DONE_REPLY in twiml
    assert await queue_of(env.services, user) != "UNSIGNED"
    (after,) = await follow_ups_of(env.services, user)
    assert (after["status"], after["due_at"]) == ("PENDING", before["due_at"] + REMINDERS_HELD)


async def test_a_complaint_is_acknowledged_shown_to_supervisors_and_pauses_automation(env):
    user = await texting_user(env)
    twiml = await text_us(env, await e164_of(env, user), "I want to make a complaint")
    assert COMPLAINT_REPLY in html.unescape(twiml)
    _, supervisor = await env.api.agent("SUPERVISOR")
    page = (await env.api(REVIEWS, {"f": 500}, supervisor))["textsToReview"]
    (node,) = [e["node"] for e in page["edges"] if e["node"]["userId"] == str(user)]
    assert (node["intent"], node["body"]) == ("COMPLAINT", "I want to make a complaint")
    assert await automated(env, user) is SmsRejection.UNDER_REVIEW


@pytest.mark.parametrize("body, says", [
    ("who are you?", "We're RMC"), ("is this a scam?", "genuine message"),
    ("what is the claim about?", "compensation"), ("how do I sign?", "secure link"),
])
async def test_a_question_is_answered_from_the_versioned_replies(env, body, says):
    user = await texting_user(env)
    twiml = await text_us(env, await e164_of(env, user), body)
    assert replies(twiml) == 1
    assert says in (await thread(env, user))[-1][1]
    (inbound,) = await inbound_rows(env, await e164_of(env, user))
    assert inbound["action"].startswith("ANSWERED answers-v2 ")


async def test_an_unknown_sender_is_not_answered(env):
    assert replies(await text_us(env, "+447911777777", "who are you?")) == 0


async def conversation_of(env, user: int, query: str = CONVERSATION) -> list[dict]:
    _, supervisor = await env.api.agent("SUPERVISOR")
    page = (await env.api(query, {"u": str(user)}, supervisor))["conversation"]
    return [e["node"] for e in page["edges"]]


async def test_the_conversation_shows_each_inbound_texts_reading_and_what_was_done(env):
    user = await texting_user(env)
    number = await e164_of(env, user)
    await text_us(env, number, "can you call me back tomorrow at 3pm")
    env.clock.now = NOW + timedelta(minutes=1)
    await text_us(env, number, "Wrong number")
    *_, asked, booked, wrong, blocked = await conversation_of(env, user)
    assert (asked["direction"], asked["intent"], asked["action"]) == (
        "INBOUND", "CALLBACK_REQUEST", "CALLBACK_BOOKED")
    assert (wrong["intent"], wrong["action"]) == ("WRONG_PERSON", "BLOCKED_WRONG_NUMBER")
    assert asked["intentConfidence"] >= 0.8 and wrong["intentConfidence"] >= 0.8
    for reply in (booked, blocked):  # our answers are neither read nor acted on
        assert (reply["direction"], reply["intent"], reply["intentConfidence"],
                reply["action"]) == ("OUTBOUND", None, None, None)


async def test_showing_the_reading_and_action_costs_no_extra_statement(env):
    user = await texting_user(env)
    await text_us(env, await e164_of(env, user), "Wrong number")
    counter = env.services.pg_statements

    async def statements(query: str) -> int:
        await conversation_of(env, user, query)  # its agent and connections set up first
        before = counter.count
        await conversation_of(env, user, query)
        return counter.count - before

    assert await statements(CONVERSATION) == await statements(PLAIN_CONVERSATION)


async def test_explain_score_lists_the_automatic_actions_of_the_last_30_days_newest_first(env):
    user = await texting_user(env)
    number = await e164_of(env, user)
    env.clock.now = NOW - SHOWN_FOR - timedelta(minutes=1)
    await text_us(env, number, "who are you?")  # answered, but too long ago to explain today
    env.clock.now = NOW
    await text_us(env, number, "can you call me back tomorrow at 3pm")
    env.clock.now = held_at = NOW + timedelta(minutes=5)
    await text_us(env, number, "I've already done it")
    env.clock.now = NOW + timedelta(minutes=10)
    await text_us(env, number, "Wrong number")
    _, supervisor = await env.api.agent("SUPERVISOR")
    found = (await env.api(EXPLAIN, {"u": str(user)}, supervisor))["explainScore"]
    blocked, held, booked = found["automaticActions"]
    inbound = [r["id"] for r in await inbound_rows(env, number)]
    assert [int(a["messageId"]) for a in (booked, held, blocked)] == inbound[1:]
    assert (blocked["intent"], blocked["action"], blocked["effectUntil"]) == (
        "WRONG_PERSON", "BLOCKED_WRONG_NUMBER", None)
    assert "number blocked" in blocked["queueEffect"]
    assert (held["intent"], held["action"]) == ("ALREADY_DONE", "REMINDERS_HELD")
    assert datetime.fromisoformat(held["effectUntil"]) == held_at + REMINDERS_HELD
    assert datetime.fromisoformat(held["at"]) == held_at
    assert (booked["intent"], booked["action"]) == ("CALLBACK_REQUEST", "CALLBACK_BOOKED")
    assert "CALLBACK" in booked["queueEffect"]
    assert datetime.fromisoformat(booked["effectUntil"]) == datetime(2026, 11, 25, 15, 0,
                                                                      tzinfo=UTC)
    assert all(a["confidence"] >= 0.8 for a in found["automaticActions"])


async def test_how_to_sign_is_answered_with_a_sign_link_that_redeems_and_is_never_kept(env):
    user = await texting_user(env)
    number = await e164_of(env, user)
    texts_sent = len(env.http.messages())
    twiml = html.unescape(await text_us(env, number, "how do I sign?"))
    (token,) = tokens_in(twiml)
    assert f"{LINK}{token}" in twiml and len(env.http.messages()) == texts_sent  # no 2nd SMS
    link = await env.services.pg.fetchrow(
        "SELECT id, user_id, purpose, channel FROM magic_links WHERE token_hash = $1",
        tokens.token_hash(token))
    assert (link["user_id"], link["purpose"], link["channel"]) == (user, "SIGN", "SMS")
    # The thread shows which link went, by its id; nothing kept or shown redeems.
    reply = (await conversation_of(env, user))[-1]
    assert reply["direction"] == "OUTBOUND" and f"{LINK}[link {link['id']}]" in reply["body"]
    kept = await everything_kept(env)
    assert redeemable_in(env, kept) == [] and token.split(".")[0] not in kept
    assert redeemable_in(env, reply["body"]) == []
    _, integration = await env.api.agent("INTEGRATION")
    redeemed = (await env.api(REDEEM, {"t": token}, integration))["redeemMagicLink"]
    assert redeemed == {"__typename": "MagicLinkRedeemed", "userId": str(user)}


async def test_a_sign_link_refused_leaves_the_plain_answer(env):
    user = await texting_user(env)
    links = env.services.magic_links
    for _ in range(links.policy.rate_per_hour):  # the hourly limit, reached
        assert isinstance(await links.issue_magic_link(user, Purpose.SIGN, Channel.SMS,
                                                       deliver=False), LinkIssued)
    twiml = html.unescape(await text_us(env, await e164_of(env, user), "how do I sign?"))
    assert "secure link we texted you" in twiml and tokens_in(twiml) == []
    assert "[link" not in (await thread(env, user))[-1][1]
    assert await env.services.pg.fetchval(
        "SELECT count(*) FROM magic_links WHERE user_id = $1", user) == links.policy.rate_per_hour


async def test_the_action_history_reads_the_newest_actions_in_one_statement(env):
    user = await texting_user(env)
    pg = env.services.pg
    await pg.execute(  # 12 acted-on texts a day apart, the newest first by id too
        "INSERT INTO sms_messages (user_id, direction, body, status, created_at, updated_at, "
        "intent, intent_confidence, action) SELECT $1, 'INBOUND', 'who?', 'RECEIVED', "
        "$2::timestamptz - make_interval(days => d), $2, 'QUESTION', 0.9, "
        "'ANSWERED answers-v2 WHO' FROM generate_series(0, 11) d", user, NOW)
    await pg.execute(  # neither an outbound text nor a text nothing was done about counts
        "INSERT INTO sms_messages (user_id, direction, body, status, created_at, updated_at, "
        "action) VALUES ($1, 'OUTBOUND', 'hi', 'SENT', $2, $2, 'ANSWERED x'), "
        "($1, 'INBOUND', 'ok', 'RECEIVED', $2, $2, NULL)", user, NOW + timedelta(hours=1))
    history, counter = PgActionHistory(pg), env.services.pg_statements
    before = counter.count
    taken = await history.recent(user, NOW - timedelta(days=10), SHOWN_AT_MOST)
    assert counter.count - before == 1
    assert [t.received_at for t in taken] == [NOW - timedelta(days=d) for d in range(10)]
    assert {(t.intent, t.confidence, t.action, t.callback_at) for t in taken} == {
        ("QUESTION", 0.9, "ANSWERED answers-v2 WHO", None)}
    assert len(await history.recent(user, NOW - timedelta(days=3), SHOWN_AT_MOST)) == 4
