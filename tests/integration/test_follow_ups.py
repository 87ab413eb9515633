"""Follow-up SMS: scheduled by outcomes, re-checked before sending, sent once across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.access.rule import CallbackChanger
from domain.calls.outcomes import CallOutcome
from infrastructure.bootstrap import bootstrap
from infrastructure.postgres.locks import job_lock
from tests.integration.test_sms import (
    FakeTwilioHttp,
    e164_of,
    module_fixtures,
    post_to_twilio_webhook,
    sms_env,
    texting_user,
    use_fake_twilio,
)
from tests.queue_env import NOW

pytestmark = pytest.mark.integration
NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } } }")
DISPOSE = ("mutation($i: DispositionInput!) { recordDisposition(input: $i) { __typename } }")


env, _reset = module_fixtures()  # this module's own dialler; the clock reset per test


async def follow_ups_of(services, user: int) -> list[dict]:
    return [dict(r) for r in await services.pg.fetch(
        "SELECT * FROM sms_follow_ups WHERE user_id = $1 ORDER BY id", user)]


def sent_to(http: FakeTwilioHttp, number: str) -> list[str]:
    return [m["Body"] for m in http.messages() if m["To"] == number]


async def another_process(env):
    """A second API process (or the same one after a restart): its own wiring, same data."""
    other = await bootstrap(env.services.settings, clock=env.clock)
    use_fake_twilio(other, env.http)
    return other


async def test_a_first_no_answer_sends_one_check_in_across_a_restart():
    async with sms_env() as here:
        services, api, http = here.services, here.api, here.http
        user = await texting_user(here)
        _, token = await api.agent()
        lead = (await api(NEXT, {}, token))["nextLead"]["assignment"]
        assert lead["user"]["id"] == str(user)
        await api(DISPOSE, {"i": {"assignmentId": lead["id"], "outcome": "NO_ANSWER"}}, token)
        (planned,) = await follow_ups_of(services, user)
        assert (planned["kind"], planned["status"]) == ("CHECK_IN", "PENDING")
        # A later no-answer is not the first: nothing more is scheduled.
        assert await services.sms.follow_ups.after_disposition(
            user, CallOutcome.NO_ANSWER, None, NOW + timedelta(hours=5)) == 0
        here.clock.now = NOW + timedelta(minutes=20)
        await services.close()  # "restart": a new process picks the job up
        restarted = await another_process(here)
        try:
            first, again = await asyncio.gather(restarted.sms.follow_ups.send_due(),
                                                restarted.sms.follow_ups.send_due())
            assert first.sent + again.sent == 1
            assert (await restarted.sms.follow_ups.send_due()).sent == 0
            number = await restarted.pg.fetchval(
                "SELECT e164 FROM user_phones WHERE user_id = $1", user)
            (body,) = sent_to(http, number)
            assert body.startswith("Hi Amelia") and "https://dialler.example/l/" in body
            (done,) = await follow_ups_of(restarted, user)
            message = await restarted.pg.fetchrow(
                "SELECT * FROM sms_messages WHERE id = $1", done["message_id"])
            assert (done["status"], message["follow_up_id"], message["automated"]) == (
                "SENT", done["id"], True)
            assert await restarted.pg.fetchval(
                "SELECT count(*) FROM magic_links WHERE user_id = $1", user) == 1
        finally:
            await restarted.close()


async def test_two_processes_sending_at_once_send_each_follow_up_once(env):
    users = [await texting_user(env, signed=True) for _ in range(5)]
    for user in users:
        await env.services.sms.follow_ups.schedule_review_request(user, NOW)
        await env.services.sms.follow_ups.schedule_review_request(user, NOW)  # idempotent
    env.clock.now = NOW + timedelta(days=1, hours=1)
    other = await another_process(env)
    try:
        reports = await asyncio.gather(env.services.sms.follow_ups.send_due(),
                                       other.sms.follow_ups.send_due(),
                                       other.sms.follow_ups.send_due())
    finally:
        await other.close()
    assert sum(r.sent for r in reports) == 5
    for user in users:
        (body,) = sent_to(env.http, await e164_of(env, user))
        assert body.endswith("http://localhost:3000/review Reply STOP to opt out.")


async def test_signed_meanwhile_skips_the_reminder(env):
    user = await texting_user(env)
    await env.services.sms.follow_ups.after_disposition(user, CallOutcome.CONTACTED, None, NOW)
    assert {f["kind"] for f in await follow_ups_of(env.services, user)} == {
        "REMINDER_EVENING", "REMINDER_LATER"}
    await env.rows.db.execute("UPDATE users SET current_signature_file_id = 9 WHERE id = %s",
                              (user,))
    env.clock.now = NOW.replace(hour=18, minute=31)
    report = await env.services.sms.follow_ups.send_due()
    assert report.skipped.get("NOTHING_OUTSTANDING", 0) >= 1
    evening = next(f for f in await follow_ups_of(env.services, user)
                   if f["kind"] == "REMINDER_EVENING")
    assert (evening["status"], evening["skip_reason"]) == ("SKIPPED", "NOTHING_OUTSTANDING")
    assert sent_to(env.http, await e164_of(env, user)) == []


@pytest.mark.parametrize("block", ["opt_out", "do_not_call"])
async def test_opted_out_or_do_not_call_meanwhile_skips(env, block):
    user = await texting_user(env)
    await env.services.sms.follow_ups.after_disposition(user, CallOutcome.NO_ANSWER, None, NOW)
    number = await e164_of(env, user)
    if block == "opt_out":  # e.g. opted out by number before this user's record matched it
        await env.services.pg.execute(
            "INSERT INTO sms_opt_outs (e164, keyword) VALUES ($1, 'STOP')", number)
    else:
        await env.services.pg.execute(
            "INSERT INTO do_not_call (user_id, reason) VALUES ($1, 'complaint')", user)
    env.clock.now = NOW + timedelta(minutes=20)
    await env.services.sms.follow_ups.send_due()
    (check_in,) = await follow_ups_of(env.services, user)
    assert (check_in["status"], check_in["skip_reason"]) == (
        "SKIPPED", "OPTED_OUT" if block == "opt_out" else "DO_NOT_CALL")
    assert sent_to(env.http, number) == []


async def test_a_live_conversation_defers_the_follow_up(env):
    user = await texting_user(env)
    number = await e164_of(env, user)
    await env.services.sms.follow_ups.after_disposition(user, CallOutcome.NO_ANSWER, None, NOW)
    env.clock.now = NOW + timedelta(minutes=10)
    response = await post_to_twilio_webhook(env, "/twilio/sms/inbound", {
        "From": number, "To": "+441632960000", "Body": "who called me?",
        "MessageSid": "SMlive" + number[-6:]})
    assert response.status_code == 200
    env.clock.now = NOW + timedelta(minutes=20)
    assert (await env.services.sms.follow_ups.send_due()).deferred >= 1
    (check_in,) = await follow_ups_of(env.services, user)
    assert (check_in["status"], check_in["due_at"]) == ("PENDING", NOW + timedelta(minutes=70))
    env.clock.now = NOW + timedelta(minutes=71)
    await env.services.sms.follow_ups.send_due()
    assert len(sent_to(env.http, number)) == 1


async def test_outside_sms_hours_waits_for_the_morning(env):
    user = await texting_user(env)
    number = await e164_of(env, user)
    evening = NOW.replace(hour=19, minute=50)
    await env.services.sms.follow_ups.after_disposition(user, CallOutcome.NO_ANSWER, None,
                                                        evening)
    env.clock.now = evening + timedelta(minutes=20)  # 20:10, SMS hours are over
    await env.services.sms.follow_ups.send_due()
    (check_in,) = await follow_ups_of(env.services, user)
    morning = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert (check_in["status"], check_in["due_at"]) == ("PENDING", morning)
    assert sent_to(env.http, number) == []
    env.clock.now = morning
    await env.services.sms.follow_ups.send_due()
    assert len(sent_to(env.http, number)) == 1


async def test_a_booked_callback_is_confirmed_unless_it_changed(env):
    services = env.services
    kept, cancelled = await texting_user(env), await texting_user(env)
    agent, _ = await env.api.agent()
    changer = CallbackChanger(agent.id, agent.role)
    at = NOW + timedelta(days=1, hours=4)
    for user in (kept, cancelled):
        callback = await services.outcomes.schedule(user_id=user, at=at, changer=changer,
                                                    personal=False, note=None, now=NOW)
    await services.outcomes.cancel(callback_id=callback["id"], now=NOW, changer=changer)
    await services.sms.follow_ups.send_due()
    (body,) = sent_to(env.http, await e164_of(env, kept))
    assert "Wednesday 25 November at 14:00" in body
    assert sent_to(env.http, await e164_of(env, cancelled)) == []
    (skipped,) = await follow_ups_of(services, cancelled)
    assert skipped["skip_reason"] == "CALLBACK_CHANGED"


async def test_the_sms_jobs_run_in_one_process_at_a_time(env):
    async with job_lock(env.services.pg, "sms-jobs") as held:
        assert held
        assert await env.services.sms.jobs.tick() is None  # another process holds it
    assert await env.services.sms.jobs.tick() is not None


@pytest.mark.parametrize("outcome", [CallOutcome.WRONG_NUMBER, CallOutcome.DO_NOT_CALL,
                                     CallOutcome.NOT_INTERESTED])
async def test_an_unwelcome_outcome_cancels_pending_follow_ups(env, outcome):
    user = await texting_user(env)
    follow_ups = env.services.sms.follow_ups
    await follow_ups.after_disposition(user, CallOutcome.CONTACTED, None, NOW)
    assert await follow_ups.after_disposition(user, outcome, None,
                                              NOW + timedelta(minutes=5)) == 0
    rows = await follow_ups_of(env.services, user)
    assert {(f["status"], f["skip_reason"]) for f in rows} == {
        ("CANCELLED", outcome.value.upper())}
