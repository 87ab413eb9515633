"""What the dialler does about a confidently read text that is no opt-out, through signed
inbound webhooks and the real (lazily trained) classifier."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from domain.calls.outcomes import CallOutcome
from domain.messaging.model import SmsRejection
from service_layer.conversation_actions import (
    ALREADY_DONE_REPLY,
    COMPLAINT_REPLY,
    REMINDERS_HELD,
    WRONG_PERSON_REPLY,
)
from tests.integration.test_follow_ups import DISPOSE, NEXT, follow_ups_of
from tests.integration.test_sms import e164_of, module_fixtures, sms_env, texting_user
from tests.integration.test_sms_inbound import inbound_rows, replies, text_us
from tests.integration.test_text_reviews import REVIEWS, automated
from tests.queue_env import NOW, queue_of

pytestmark = pytest.mark.integration


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
    assert inbound["action"].startswith("ANSWERED answers-v1 ")


async def test_an_unknown_sender_is_not_answered(env):
    assert replies(await text_us(env, "+447911777777", "who are you?")) == 0
