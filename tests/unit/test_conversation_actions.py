"""The conversation actions through SmsService.received, on in-memory stores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.conversations.answers import Topic
from domain.conversations.model import Classification, Intent, Source
from domain.conversations.reviews import ReviewStatus
from domain.links import tokens
from domain.links.masking import masked_links, tokens_in
from domain.links.model import Purpose
from domain.messaging.model import Direction
from infrastructure.intents.replies import JsonAnswerBook
from service_layer.conversation_actions import (
    ALREADY_DONE_REPLY,
    COMPLAINT_REPLY,
    REMINDERS_HELD,
    WRONG_PERSON_REPLY,
    callback_reply,
)
from tests.fakes.builders import NOW, LinksWorld, SmsWorld, a_user, replica_facts

NUMBER = "+447911123456"


@pytest.fixture
async def world() -> SmsWorld:
    world = SmsWorld()
    world.replica.put(replica_facts(1))
    await world.service().send(1, "Hello")  # the number is on file, as the user's
    return world


def reads(world, normalised: str, intent: Intent, confidence: float = 0.95) -> None:
    world.classifier.answers[normalised] = Classification(intent, confidence,
                                                          Source.CLASSIFIER, 0.0)


async def text(world, body: str, sid: str = "SMin1") -> str | None:
    service = world.service(actions=world.actions())
    return await service.received(from_number=NUMBER, to_number="+441", body=body, sid=sid)


def thread(world) -> list[tuple[Direction, str]]:
    return [(r["direction"], r["body"]) for r in world.store.tables.messages.values()]


async def test_a_wrong_person_is_blocked_requeued_and_answered_in_the_thread(world):
    reads(world, "wrong number", Intent.WRONG_PERSON)
    assert await text(world, "Wrong number") == WRONG_PERSON_REPLY
    assert world.effects.blocked == {1} and world.recompute.calls == [([1], "sms wrong person")]
    assert thread(world)[-2:] == [(Direction.INBOUND, "Wrong number"),
                                  (Direction.OUTBOUND, WRONG_PERSON_REPLY)]
    assert [e.kind for e in world.events.published[-2:]] == ["RECEIVED", "STATUS_CHANGED"]
    inbound = [r for r in world.store.tables.messages.values() if r["body"] == "Wrong number"]
    assert inbound[0]["action"] == "BLOCKED_WRONG_NUMBER"


async def test_an_unsure_reading_is_not_acted_on(world):
    reads(world, "wrong number", Intent.WRONG_PERSON, confidence=0.4)
    assert await text(world, "Wrong number") is None
    assert world.effects.blocked == set() and len(world.store.tables.reviews) == 1


async def test_a_failing_action_keeps_the_message_and_answers_nothing(world):
    reads(world, "wrong number", Intent.WRONG_PERSON)
    world.effects.fail = RuntimeError("database went away")
    assert await text(world, "Wrong number") is None
    assert thread(world)[-1] == (Direction.INBOUND, "Wrong number")
    assert world.recompute.calls == []


async def test_an_opted_out_sender_is_not_acted_on(world):
    world.store.tables.do_not_call[1] = "agent recorded DO_NOT_CALL"
    reads(world, "wrong number", Intent.WRONG_PERSON)
    assert await text(world, "Wrong number") is None and world.effects.blocked == set()


async def test_a_callback_at_a_named_time_is_booked_and_confirmed(world):
    at = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Friday, 15:00 in London
    world.times.times["Call me Friday at 3pm"] = at
    reads(world, "call me friday at 3pm", Intent.CALLBACK_REQUEST)
    assert await text(world, "Call me Friday at 3pm") == (
        "Thanks — we'll call you on Friday 27 November at 15:00.")
    assert world.effects.callbacks == {1: (at, None)}
    assert world.recompute.calls == [([1], "callback scheduled")]


async def test_a_callback_outside_the_window_moves_to_its_next_opening(world):
    world.times.times["ring me at 10pm"] = NOW.replace(hour=22)
    reads(world, "ring me at 10pm", Intent.CALLBACK_REQUEST)
    assert await text(world, "ring me at 10pm") == (
        "Thanks — we'll call you on Wednesday 25 November at 08:00.")
    assert world.effects.callbacks[1][0] == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


async def test_a_callback_with_no_time_is_at_the_next_quarter_hour_the_window_allows(world):
    world.clock.now = NOW + timedelta(minutes=7)
    reads(world, "call me back", Intent.CALLBACK_REQUEST)
    await text(world, "call me back")
    assert world.effects.callbacks[1][0] == NOW + timedelta(minutes=15)


async def test_a_callback_is_personal_to_the_agent_who_last_worked_on_them(world):
    earlier, recent, stale = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    world.effects.agents += [(1, stale, NOW - timedelta(hours=30)),
                             (1, earlier, NOW - timedelta(hours=5)),
                             (1, recent, NOW - timedelta(hours=1)),
                             (2, uuid.uuid4(), NOW)]
    reads(world, "call me back", Intent.CALLBACK_REQUEST)
    await text(world, "call me back")
    assert world.effects.callbacks[1][1] == recent


async def test_no_agent_within_the_work_on_hours_books_for_anyone(world):
    world.effects.agents.append((1, uuid.uuid4(), NOW - timedelta(hours=25)))
    reads(world, "call me back", Intent.CALLBACK_REQUEST)
    await text(world, "call me back")
    assert world.effects.callbacks[1][1] is None


def test_the_confirmation_is_in_london_time_across_a_clock_change():
    summer = datetime(2026, 10, 23, 14, 0, tzinfo=UTC)  # BST: 15:00 in London
    winter = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # GMT again
    assert callback_reply(summer, "Europe/London") == (
        "Thanks — we'll call you on Friday 23 October at 15:00.")
    assert callback_reply(winter, "Europe/London") == (
        "Thanks — we'll call you on Friday 30 October at 15:00.")


async def test_already_done_rechecks_them_and_holds_pending_reminders_a_day(world):
    pending = world.follow_ups.add(1, NOW + timedelta(hours=2))
    sent = world.follow_ups.add(1, NOW - timedelta(hours=2), status="SENT")
    others = world.follow_ups.add(2, NOW + timedelta(hours=2))
    reads(world, "already done it", Intent.ALREADY_DONE)
    assert await text(world, "Already done it") == ALREADY_DONE_REPLY
    assert world.recompute.calls == [([1], "sms already done")]
    due = {i: r["due_at"] for i, r in world.follow_ups.rows.items()}
    assert due == {pending: NOW + timedelta(hours=2) + REMINDERS_HELD,
                   sent: NOW - timedelta(hours=2), others: NOW + timedelta(hours=2)}


async def test_a_complaint_is_acknowledged_and_put_before_supervisors(world):
    reads(world, "i want to complain", Intent.COMPLAINT)
    assert await text(world, "I want to complain") == COMPLAINT_REPLY
    (review,) = world.store.tables.reviews.values()
    assert (review["intent"], review["status"], review["user_id"]) == (
        Intent.COMPLAINT, ReviewStatus.PENDING, 1)
    assert world.recompute.calls == []


async def test_a_complaint_from_an_opted_out_sender_is_still_heard(world):
    world.store.tables.do_not_call[1] = "agent recorded DO_NOT_CALL"
    reads(world, "i want to complain", Intent.COMPLAINT)
    assert await text(world, "I want to complain") == COMPLAINT_REPLY


@pytest.mark.parametrize("body, says", [
    ("who are you?", "We're RMC"), ("is this a scam?", "genuine"),
    ("what is the claim about?", "compensation"), ("how do I sign?", "secure link"),
])
async def test_a_question_is_answered_from_the_reply_book(world, body, says):
    reads(world, body.rstrip("?").lower(), Intent.QUESTION)
    assert says in await text(world, body)
    assert thread(world)[-1][0] is Direction.OUTBOUND


async def test_a_question_no_rule_fits_gets_no_reply(world):
    reads(world, "what time is it", Intent.QUESTION)
    assert await text(world, "what time is it") is None
    assert thread(world)[-1] == (Direction.INBOUND, "what time is it")


async def test_a_reading_just_past_the_policys_bar_is_not_acted_on(world):
    reads(world, "wrong number", Intent.WRONG_PERSON, confidence=0.6)
    assert await text(world, "Wrong number") is None
    assert world.effects.blocked == set() and world.store.tables.reviews == {}


async def test_an_unknown_senders_text_is_not_acted_on(world):
    reads(world, "who are you", Intent.QUESTION)
    service = world.service(actions=world.actions())
    assert await service.received(from_number="+447911999999", to_number="+441",
                                  body="who are you?", sid="SMin1") is None


@pytest.fixture
def links() -> LinksWorld:
    links = LinksWorld()
    links.users.put(a_user(1))
    return links


async def ask(world: SmsWorld, links: LinksWorld | None, body: str) -> str | None:
    """The reply to a question, with links issued by ``links`` (None: none wired)."""
    reads(world, body.rstrip("?").lower(), Intent.QUESTION)
    actions = world.actions(links=links.service() if links else None)
    return await world.service(actions=actions).received(
        from_number=NUMBER, to_number="+441", body=body, sid="SMin1")


async def test_how_to_sign_gets_a_sign_link_sent_in_the_reply_and_kept_masked(world, links):
    reply = await ask(world, links, "how do I sign?")
    (token,) = tokens_in(reply)
    (row,) = links.store.rows.values()
    assert (row["user_id"], row["purpose"], row["token_hash"]) == (
        1, Purpose.SIGN, tokens.token_hash(token))
    # It goes in our reply, not as a text of its own.
    assert not any(token in handed.body for handed in world.gateway.sent)
    kept = thread(world)[-1][1]
    assert tokens_in(kept) == [] and masked_links(kept) == [row["id"]]
    assert reply.replace(token, f"[link {row['id']}]") == kept


async def test_a_refused_link_leaves_the_plain_answer(world, links):
    links.store.sms_opt_outs.add(1)  # issue_magic_link's own checks still apply
    reply = await ask(world, links, "how do I sign?")
    assert reply == JsonAnswerBook().answer(Topic.SIGN) and links.store.rows == {}


async def test_without_links_wired_the_plain_answer_goes(world):
    assert await ask(world, None, "how do I sign?") == JsonAnswerBook().answer(Topic.SIGN)


async def test_other_topics_issue_no_link(world, links):
    assert "We're RMC" in await ask(world, links, "who are you?")
    assert links.store.rows == {}
