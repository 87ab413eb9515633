"""SmsService on in-memory messaging: send, retry with renewed links, statuses, inbound."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from domain.conversations.model import Classification, Intent, Source
from domain.conversations.reviews import ReviewRejection
from domain.links.masking import CarriedLink
from domain.messaging.model import InvalidSms, SmsRejection, SmsStatus
from domain.messaging.opt_out import START_REPLY, STOP_REPLY
from domain.messaging.ports import TwilioSendFailed
from tests.fakes.builders import NOW, SmsWorld, replica_facts
from tests.fakes.messaging import FakeMessagingTx

NUMBER = "+447911123456"
TOKEN = "A" * 32 + "." + "b" * 22


@pytest.fixture
def world() -> SmsWorld:
    world = SmsWorld()
    world.replica.put(replica_facts(1))
    return world


async def test_a_message_is_kept_then_handed_over_and_each_step_is_published(world):
    message = await world.service().send(1, "Hello there")
    assert message.status is SmsStatus.QUEUED
    assert world.store.row(message.id)["twilio_sid"].startswith("SM")
    [handed] = world.gateway.sent
    assert (handed.to, handed.body, handed.status_callback) == (
        NUMBER, "Hello there", f"https://api.test/sms/{message.id}")
    assert [e.kind for e in world.events.published] == ["STATUS_CHANGED", "STATUS_CHANGED"]


async def test_the_link_token_goes_to_twilio_but_is_kept_masked(world):
    link = CarriedLink(uuid.uuid4(), TOKEN)
    message = await world.service().send(1, f"Open {TOKEN}", links=[link])
    assert world.gateway.sent[0].body == f"Open {TOKEN}"
    assert world.store.row(message.id)["body"] == f"Open [link {link.link_id}]"
    assert TOKEN not in str(world.events.published)


async def test_an_unknown_user_is_refused_and_nothing_is_kept(world):
    assert await world.service().send(2, "Hi") is SmsRejection.UNKNOWN_USER
    assert world.store.tables.messages == {} and world.gateway.sent == []


async def test_a_bad_body_raises_before_anything_is_kept(world):
    with pytest.raises(InvalidSms):
        await world.service().send(1, "   ")
    assert world.store.tables.messages == {}


@pytest.mark.parametrize("setup, refusal", [
    (lambda t: t.opt_outs.update({NUMBER: None}), SmsRejection.OPTED_OUT),
    (lambda t: t.do_not_call.update({1: "asked"}), SmsRejection.DO_NOT_CALL),
])
async def test_contact_rules_refuse_a_send(world, setup, refusal):
    setup(world.store.tables)
    assert await world.service().send(1, "Hi") is refusal
    assert world.gateway.sent == []


async def test_an_undialable_number_is_refused(world):
    world.replica.put(replica_facts(1, phone_raw="12"))
    assert await world.service().send(1, "Hi") is SmsRejection.UNDIALABLE


async def test_automated_messages_wait_for_sms_hours(world):
    world.clock.now = NOW.replace(hour=22)
    assert await world.service().send(1, "Hi", automated=True) is \
        SmsRejection.OUTSIDE_SMS_HOURS
    assert (await world.service().send(1, "Hi")).status is SmsStatus.QUEUED
    assert len(world.gateway.sent) == 1  # an agent's own message goes at any hour


async def test_a_retryable_failure_is_retried_when_due(world):
    world.gateway.failures.append(TwilioSendFailed(f"busy, body was {TOKEN}", retryable=True))
    message = await world.service().send(1, "Hello")
    assert message.status is SmsStatus.FAILED and TOKEN not in message.failure_reason
    assert await world.service().retry_due() == 0  # not due yet
    world.clock.now = NOW + timedelta(minutes=1)
    assert await world.service().retry_due() == 1
    assert [h.body for h in world.gateway.sent] == ["Hello"]
    assert world.store.row(message.id)["attempts"] == 2


async def test_a_permanent_failure_is_never_retried(world):
    world.gateway.failures.append(TwilioSendFailed("invalid number", retryable=False))
    message = await world.service().send(1, "Hello")
    assert world.store.row(message.id)["next_attempt_at"] is None
    world.clock.now = NOW + timedelta(days=1)
    assert await world.service().retry_due() == 0


async def test_a_retry_sends_renewed_links_and_keeps_their_ids(world):
    link = CarriedLink(uuid.uuid4(), TOKEN)
    world.gateway.failures.append(TwilioSendFailed("busy", retryable=True))
    message = await world.service().send(1, f"Open {TOKEN}", links=[link])
    world.clock.now = NOW + timedelta(minutes=1)
    await world.service().retry_due()
    [successor] = world.links.minted
    assert world.links.revoked == [link.link_id]
    assert world.gateway.sent[0].body == f"Open {successor.token}"
    assert world.store.row(message.id)["body"] == f"Open [link {successor.link_id}]"


async def test_a_retry_whose_link_cannot_be_renewed_fails_for_good(world):
    link = CarriedLink(uuid.uuid4(), TOKEN)
    world.links.unrenewable.add(link.link_id)
    world.gateway.failures.append(TwilioSendFailed("busy", retryable=True))
    message = await world.service().send(1, f"Open {TOKEN}", links=[link])
    world.clock.now = NOW + timedelta(minutes=1)
    await world.service().retry_due()
    row = world.store.row(message.id)
    assert row["status"] is SmsStatus.FAILED and "renewed" in row["failure_reason"]
    assert world.gateway.sent == []


async def test_a_retry_does_not_go_to_someone_who_opted_out_meanwhile(world):
    world.gateway.failures.append(TwilioSendFailed("busy", retryable=True))
    message = await world.service().send(1, "Hello")
    world.store.tables.do_not_call[1] = "asked"
    world.clock.now = NOW + timedelta(minutes=1)
    await world.service().retry_due()
    assert world.gateway.sent == []
    assert "opted out" in world.store.row(message.id)["failure_reason"]


async def test_a_hand_off_a_crash_interrupted_fails_without_a_retry(world):
    message = await world.service().send(1, "Hello")
    world.store.row(message.id).update(twilio_sid=None, sending_since=NOW)
    world.clock.now = NOW + timedelta(minutes=6)
    assert await world.service().retry_due() == 0
    assert world.store.row(message.id)["status"] is SmsStatus.FAILED


async def test_status_reports_only_move_a_message_forward(world):
    message = await world.service().send(1, "Hello")
    report = world.service().status_reported
    moved = await report(message_id=message.id, sid=None, twilio_status="delivered", error=None)
    assert moved.status is SmsStatus.DELIVERED
    assert await report(message_id=message.id, sid=None, twilio_status="sent",
                        error=None) is None
    assert await report(message_id=message.id, sid=None, twilio_status="bogus",
                        error=None) is None


async def test_a_status_report_seen_before_is_ignored(world):
    message = await world.service().send(1, "Hello")
    report = world.service().status_reported
    assert await report(message_id=message.id, sid=None, twilio_status="sent", error=None,
                        receipt="report 1") is not None
    assert await report(message_id=message.id, sid=None, twilio_status="delivered",
                        error=None, receipt="report 1") is None  # Twilio retried it
    assert world.store.row(message.id)["status"] is SmsStatus.SENT
    assert world.store.tables.receipts == {"report 1"}


async def test_a_receipt_is_kept_only_with_what_it_guards(world, monkeypatch):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(FakeMessagingTx, "store_inbound", broken)
    with pytest.raises(RuntimeError):
        await world.service().received(from_number="07911 123456", to_number="+441",
                                       body="hello", sid="SMin9", receipt="inbound 9")
    assert world.store.tables.receipts == set()  # Twilio's retry will be applied


async def test_stop_opts_out_once_and_takes_the_user_out_of_the_queues(world):
    await world.service().send(1, "Hello")
    receive = world.service().received
    reply = await receive(from_number="07911 123456", to_number="+441", body="stop",
                          sid="SMin1")
    assert reply == STOP_REPLY
    assert world.store.tables.opt_outs == {NUMBER: 1} and 1 in world.store.tables.do_not_call
    assert world.recompute.calls == [([1], "sms stop")]
    assert [e.kind for e in world.events.published[-2:]] == ["RECEIVED", "STATUS_CHANGED"]
    assert await receive(from_number=NUMBER, to_number="+441", body="STOP",
                         sid="SMin2") is None


async def test_start_lifts_the_opt_out(world):
    await world.service().send(1, "Hello")
    receive = world.service().received
    await receive(from_number=NUMBER, to_number="+441", body="STOP", sid="SMin1")
    assert await receive(from_number=NUMBER, to_number="+441", body="START",
                         sid="SMin2") == START_REPLY
    assert world.store.tables.opt_outs == {} and world.store.tables.do_not_call == {}


async def test_a_failed_queue_update_still_answers_twilio(world):
    await world.service().send(1, "Hello")
    world.recompute.fail = RuntimeError("queue store down")
    assert await world.service().received(from_number=NUMBER, to_number="+441", body="STOP",
                                          sid="SMin1") == STOP_REPLY


async def test_an_inbound_message_stored_before_is_not_stored_again(world):
    receive = world.service().received
    await receive(from_number=NUMBER, to_number="+441", body="hi", sid="SMin1")
    assert await receive(from_number=NUMBER, to_number="+441", body="hi", sid="SMin1") is None
    assert len(world.store.tables.messages) == 1
    assert [e.kind for e in world.events.published] == ["RECEIVED"]


def reads(world, normalised: str, intent: Intent, confidence: float, opt_out: float) -> None:
    world.classifier.answers[normalised] = Classification(intent, confidence,
                                                          Source.CLASSIFIER, opt_out)


async def test_a_confident_opt_out_in_words_opts_out_with_one_confirmation(world):
    await world.service().send(1, "Hello")
    reads(world, "xyzzy plugh", Intent.OPT_OUT, 0.95, 0.95)
    receive = world.service().received
    reply = await receive(from_number=NUMBER, to_number="+441",
                          body="Xyzzy plugh", sid="SMin1")
    assert reply == STOP_REPLY
    assert world.store.tables.opt_outs == {NUMBER: 1} and 1 in world.store.tables.do_not_call
    assert world.store.tables.intents[2] == Classification(Intent.OPT_OUT, 0.95,
                                                           Source.CLASSIFIER, 0.95)
    assert await receive(from_number=NUMBER, to_number="+441",
                         body="Xyzzy plugh", sid="SMin2") is None


async def test_a_possible_opt_out_pauses_automated_texts_but_not_an_agents(world):
    await world.service().send(1, "Hello")
    reads(world, "not now", Intent.OTHER, 0.6, 0.4)
    reply = await world.service().received(from_number=NUMBER, to_number="+441",
                                           body="Not now", sid="SMin1")
    assert reply is None and world.store.tables.opt_outs == {}
    assert 1 not in world.store.tables.do_not_call and world.recompute.calls == []
    (review,) = world.store.tables.reviews.values()
    assert (review["user_id"], review["opt_out_chance"]) == (1, 0.4)
    assert await world.service().send(1, "Reminder", automated=True) is (
        SmsRejection.UNDER_REVIEW)
    await world.service().send(1, "Sorry to bother you", agent_id=uuid.uuid4())
    assert world.gateway.sent[-1].body == "Sorry to bother you"


async def test_a_confident_reading_of_another_intent_does_nothing(world):
    reads(world, "call me at 5", Intent.CALLBACK_REQUEST, 0.8, 0.0)
    assert await world.service().received(from_number=NUMBER, to_number="+441",
                                          body="Call me at 5", sid="SMin1") is None
    assert world.store.tables.reviews == {} and world.store.tables.opt_outs == {}


async def possible_opt_out(world) -> int:
    await world.service().send(1, "Hello")
    reads(world, "not now", Intent.OTHER, 0.6, 0.4)
    await world.service().received(from_number=NUMBER, to_number="+441", body="Not now",
                                   sid="SMin1")
    (review,) = (await world.reviews().pending(10, None)).reviews
    assert review.body == "Not now"
    return review.id


async def test_a_review_decided_as_an_opt_out_opts_out_and_confirms_once(world):
    review = await possible_opt_out(world)
    supervisor = uuid.uuid4()
    resolved = await world.reviews().resolve(review, Intent.OPT_OUT, agent_id=supervisor,
                                             note="they said so")
    assert (resolved.user_id, resolved.decision, resolved.first_opt_out) == (
        1, Intent.OPT_OUT, True)
    assert world.store.tables.opt_outs == {NUMBER: 1} and 1 in world.store.tables.do_not_call
    assert world.recompute.calls == [([1], "sms stop")]
    assert [h.body for h in world.gateway.sent].count(STOP_REPLY) == 1
    assert (await world.reviews().pending(10, None)).reviews == []
    assert await world.reviews().resolve(review, Intent.OPT_OUT, agent_id=supervisor) is (
        ReviewRejection.ALREADY_RESOLVED)
    assert await world.service().send(1, "Hi", agent_id=supervisor) is SmsRejection.OPTED_OUT


async def test_another_decision_lifts_the_pause(world):
    review = await possible_opt_out(world)
    resolved = await world.reviews().resolve(review, Intent.QUESTION, agent_id=None)
    assert resolved.first_opt_out is False and world.store.tables.opt_outs == {}
    await world.service().send(1, "Reminder", automated=True)
    assert world.gateway.sent[-1].body == "Reminder"
    assert await world.reviews().resolve(99, Intent.OTHER, agent_id=None) is (
        ReviewRejection.UNKNOWN)
