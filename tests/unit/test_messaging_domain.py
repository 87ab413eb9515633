"""The pure SMS rules: keywords, statuses, bodies, retries, follow-up plans and re-checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.calls.outcomes import CallOutcome
from domain.messaging.follow_ups import (
    FollowUpKind,
    Recheck,
    after_outcome,
    decide,
    render,
    review_request,
)
from domain.messaging.model import (
    MAX_BODY,
    InvalidSms,
    SmsStatus,
    advances,
    check_body,
    from_twilio,
    retry_at,
)
from domain.messaging.opt_out import Keyword, keyword_of
from domain.queue.calling_window import CallingWindow

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 in London
HOURS = CallingWindow(opens=datetime.min.time().replace(hour=9),
                      closes=datetime.min.time().replace(hour=20))


@pytest.mark.parametrize("body", ["STOP", "stop", "  Stop \n", "STOPALL", "stop all",
                                  "Unsubscribe", "cancel", "END", "quit", "Stop."])
def test_stop_words_in_any_case_or_spacing(body):
    assert keyword_of(body) is Keyword.STOP


@pytest.mark.parametrize("body", ["START", " unstop ", "Start"])
def test_start_words(body):
    assert keyword_of(body) is Keyword.START


@pytest.mark.parametrize("body", ["please stop calling me", "stopped", "", None, "ok thanks"])
def test_other_messages_are_not_keywords(body):
    assert keyword_of(body) is None


def test_statuses_only_move_forward():
    assert advances(SmsStatus.QUEUED, SmsStatus.SENT)
    assert advances(SmsStatus.SENT, SmsStatus.DELIVERED)
    assert advances(SmsStatus.QUEUED, SmsStatus.UNDELIVERED)
    assert not advances(SmsStatus.DELIVERED, SmsStatus.SENT)
    assert not advances(SmsStatus.SENT, SmsStatus.QUEUED)
    assert not advances(SmsStatus.DELIVERED, SmsStatus.FAILED)
    assert not advances(SmsStatus.RECEIVED, SmsStatus.DELIVERED)


def test_twilio_statuses_map_to_ours():
    assert [from_twilio(s) for s in ("queued", "accepted", "sending", "sent", "delivered",
                                     "undelivered", "failed", "read", "bogus", None)] == [
        SmsStatus.QUEUED, SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.SENT,
        SmsStatus.DELIVERED, SmsStatus.UNDELIVERED, SmsStatus.FAILED, SmsStatus.DELIVERED,
        None, None]


@pytest.mark.parametrize("body", ["", "   ", "x" * (MAX_BODY + 1)])
def test_bad_bodies_name_the_field(body):
    with pytest.raises(InvalidSms) as refused:
        check_body(body)
    assert refused.value.field == "body"


def test_a_body_is_trimmed_and_may_be_the_longest_allowed():
    assert check_body("  hello ") == "hello"
    assert len(check_body("x" * MAX_BODY)) == MAX_BODY


def test_retries_back_off_and_stop():
    assert retry_at(1, NOW, True) == NOW + timedelta(minutes=1)
    assert retry_at(3, NOW, True) == NOW + timedelta(minutes=4)
    assert retry_at(5, NOW, True) is None  # the limit
    assert retry_at(1, NOW, False) is None  # a 400 fails the same way again


def test_a_first_no_answer_schedules_one_check_in_per_user():
    plans = after_outcome(7, CallOutcome.NO_ANSWER, NOW)
    assert [p.kind for p in plans] == [FollowUpKind.CHECK_IN]
    assert plans[0].dedupe_key == "check-in:7"  # the same key on every later no-answer
    assert plans[0].due_at > NOW


def test_a_contact_schedules_reminders_the_same_evening_and_days_later():
    plans = after_outcome(7, CallOutcome.CONTACTED, NOW)
    kinds = {p.kind: p for p in plans}
    assert set(kinds) == {FollowUpKind.REMINDER_EVENING, FollowUpKind.REMINDER_LATER}
    assert kinds[FollowUpKind.REMINDER_EVENING].due_at == datetime(2026, 11, 24, 18, 30,
                                                                   tzinfo=UTC)
    assert kinds[FollowUpKind.REMINDER_LATER].due_at.date() == datetime(2026, 11, 27).date()


def test_no_evening_reminder_after_the_evening():
    late = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    kinds = [p.kind for p in after_outcome(7, CallOutcome.CONTACTED, late)]
    assert kinds == [FollowUpKind.REMINDER_LATER]


def test_a_callback_request_is_confirmed_and_unwelcome_outcomes_schedule_nothing():
    at = NOW + timedelta(days=1)
    plans = after_outcome(7, CallOutcome.CALLBACK_REQUESTED, NOW, at)
    confirmation = next(p for p in plans if p.kind is FollowUpKind.CALLBACK_CONFIRMATION)
    assert confirmation.params == {"callback_at": at.isoformat()}
    for outcome in (CallOutcome.NOT_INTERESTED, CallOutcome.DO_NOT_CALL,
                    CallOutcome.WRONG_NUMBER, CallOutcome.NO_CLAIM):
        assert after_outcome(7, outcome, NOW) == []


def test_review_requests_are_once_per_user():
    assert review_request(7, NOW).dedupe_key == review_request(7, NOW + timedelta(days=9)
                                                               ).dedupe_key


def _check(**overrides) -> Recheck:
    values = dict(exists=True, eligible=True, signed=False, pending_requirements=0,
                  last_conversation_at=None, callback_pending=True)
    return Recheck(**(values | overrides))


LATER = NOW + timedelta(days=1)


def test_a_follow_up_goes_when_everything_still_holds():
    assert decide(FollowUpKind.CHECK_IN, _check(), NOW, LATER, HOURS).send


def test_skips_for_good():
    assert decide(FollowUpKind.CHECK_IN, _check(signed=True), NOW, LATER,
                  HOURS).skip_reason == "NOTHING_OUTSTANDING"
    assert decide(FollowUpKind.REMINDER_LATER, _check(signed=True, pending_requirements=2),
                  NOW, LATER, HOURS).send  # signed but documents still pending
    assert decide(FollowUpKind.CHECK_IN, _check(exists=False), NOW, LATER,
                  HOURS).skip_reason == "UNKNOWN_USER"
    assert decide(FollowUpKind.CALLBACK_CONFIRMATION, _check(callback_pending=False), NOW,
                  LATER, HOURS).skip_reason == "CALLBACK_CHANGED"
    assert decide(FollowUpKind.CHECK_IN, _check(), LATER, LATER,
                  HOURS).skip_reason == "EXPIRED"


def test_a_live_conversation_defers_until_it_has_cooled():
    verdict = decide(FollowUpKind.CHECK_IN, _check(last_conversation_at=NOW
                                                   - timedelta(minutes=20)), NOW, LATER, HOURS)
    assert verdict.retry_at == NOW + timedelta(minutes=40)
    # A callback confirmation answers the call itself: it does not wait.
    assert decide(FollowUpKind.CALLBACK_CONFIRMATION, _check(last_conversation_at=NOW), NOW,
                  LATER, HOURS).send


def test_outside_sms_hours_waits_for_the_next_opening_or_expires():
    night = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    verdict = decide(FollowUpKind.REMINDER_LATER, _check(), night, night + timedelta(days=2),
                     HOURS)
    assert verdict.retry_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert decide(FollowUpKind.REMINDER_EVENING, _check(), night, night + timedelta(hours=1),
                  HOURS).skip_reason == "EXPIRED"
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert decide(FollowUpKind.REMINDER_LATER, _check(), sunday, sunday + timedelta(days=3),
                  HOURS).retry_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("overrides", [{"sms_hours": "20:00-09:00"}, {"sms_days": [9]},
                                       {"sms_timezone": "Mars/Olympus"}])
def test_bad_sms_hours_are_refused_at_start_up(overrides):
    from pydantic import ValidationError

    from infrastructure.settings import Settings

    with pytest.raises(ValidationError, match="SMS_HOURS"):
        Settings(**overrides)


def test_templates_fill_in_names_links_and_times():
    body = render(FollowUpKind.CALLBACK_CONFIRMATION, "Amelia",
                  {"callback_at": "2026-11-25T14:30:00+00:00"})
    assert "Amelia" in body and "Wednesday 25 November at 14:30" in body and "STOP" in body
    assert "https://x.example/l/abc" in render(FollowUpKind.CHECK_IN, None,
                                               {"link": "https://x.example/l/abc"})
    assert render(FollowUpKind.CHECK_IN, None, {}).startswith("Hi there")
