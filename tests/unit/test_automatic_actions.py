"""What an automatic action changes for the queue, the linked answers, and their links."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.conversations.actions import (
    REMINDERS_HELD,
    SHOWN_AT_MOST,
    SHOWN_FOR,
    ActionKind,
    TakenAction,
    queue_effect,
)
from domain.conversations.answers import LINK_SLOT, Topic, link_purpose, with_link
from domain.conversations.model import Intent
from domain.conversations.ports import ActionHistory
from domain.links.model import Purpose
from infrastructure.intents.replies import CURRENT, InvalidReplySet, JsonAnswerBook
from tests.fakes.builders import NOW, SmsWorld

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def taken(action: str, callback_at: datetime | None = None) -> TakenAction:
    return TakenAction(1, AT, Intent.QUESTION, 0.9, action, callback_at)


def test_a_blocked_number_is_out_of_every_queue_with_no_end_date():
    effect = queue_effect(taken("BLOCKED_WRONG_NUMBER"))
    assert "number blocked" in effect.summary and effect.until is None


def test_a_booked_callback_moves_them_to_callback_at_its_time():
    at = AT + timedelta(days=1)
    effect = queue_effect(taken("CALLBACK_BOOKED", at))
    assert "CALLBACK" in effect.summary and effect.until == at


def test_reminders_are_held_a_day_from_the_text():
    effect = queue_effect(taken("REMINDERS_HELD"))
    assert "held" in effect.summary and effect.until == AT + REMINDERS_HELD


@pytest.mark.parametrize("action", ["COMPLAINT_REVIEW", "ANSWERED answers-v2 SIGN"])
def test_a_complaint_or_an_answer_changes_no_queue(action):
    assert queue_effect(taken(action)).summary.startswith("no queue change")


def test_an_action_a_newer_version_kept_is_shown_as_unknown():
    assert taken("SOMETHING_NEW x").kind is None
    assert queue_effect(taken("SOMETHING_NEW")).summary.startswith("unknown action")
    assert taken("ANSWERED answers-v2 WHO").kind is ActionKind.ANSWERED


def test_only_how_to_sign_is_answered_with_a_link():
    assert link_purpose(Topic.SIGN) is Purpose.SIGN
    assert [t for t in Topic if link_purpose(t)] == [Topic.SIGN]


def test_the_url_goes_into_the_slot_only():
    assert with_link(f"sign here {LINK_SLOT} now {{x}}", "https://a/l/t") == (
        "sign here https://a/l/t now {x}")


def test_the_current_reply_set_links_how_to_sign_and_keeps_the_plain_answer():
    book = JsonAnswerBook()
    assert book.version == "answers-v2"
    assert LINK_SLOT in book.linked(Topic.SIGN) and book.linked(Topic.WHO) is None
    assert "secure link we texted you" in book.answer(Topic.SIGN)
    assert JsonAnswerBook(CURRENT.with_name("answers_v1.json")).linked(Topic.SIGN) is None


@pytest.mark.parametrize("with_link_part, says", [
    ({"SIGN": "no slot here"}, "with_link.SIGN has no {link}"),
    ({"PAY": "pay at {link}"}, "no such topic PAY"),
])
def test_a_reply_set_that_cannot_be_used_is_refused_naming_what_is_wrong(
        tmp_path, with_link_part, says):
    path = tmp_path / "answers_v9.json"
    path.write_text(json.dumps({"version": "answers-v9", "answers": {"WHO": "We're RMC."},
                                "with_link": with_link_part}))
    with pytest.raises(InvalidReplySet, match=says):
        JsonAnswerBook(path)


class FakeHistory(ActionHistory):
    def __init__(self) -> None:
        self.asked: list[tuple[int, datetime, int]] = []

    async def recent(self, user_id: int, since: datetime, limit: int) -> list[TakenAction]:
        self.asked.append((user_id, since, limit))
        return [taken("REMINDERS_HELD")]


async def test_recent_actions_are_those_of_the_last_30_days_at_most_10():
    history, world = FakeHistory(), SmsWorld()
    assert await world.actions(history=history).recent(7, NOW) == [taken("REMINDERS_HELD")]
    assert history.asked == [(7, NOW - SHOWN_FOR, SHOWN_AT_MOST)]
    assert await world.actions().recent(7, NOW) == []  # no history wired: none shown
