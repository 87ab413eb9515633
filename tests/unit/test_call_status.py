"""Pure call rules: Twilio statuses, progress that never goes back, identities, dial refusals."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.calls.status import (
    CallProgress,
    CallStatus,
    InvalidCallReport,
    StatusReport,
    advance,
    from_twilio,
)
from domain.calls.voice import DialFacts, agent_from_identity, agent_identity, dial_refusal
from service_layer.voice import months_before

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
S = CallStatus


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(("raw", "status"), [
    ("queued", S.QUEUED), ("initiated", S.QUEUED), ("ringing", S.RINGING),
    ("in-progress", S.IN_PROGRESS), ("answered", S.IN_PROGRESS), ("completed", S.COMPLETED),
    ("busy", S.BUSY), ("no-answer", S.NO_ANSWER), ("failed", S.FAILED),
    ("canceled", S.CANCELED), (" Completed ", S.COMPLETED)])
def test_twilio_statuses_map_to_ours(raw, status):
    assert from_twilio(raw) is status


@pytest.mark.parametrize("raw", [None, "", "done", "in progress"])
def test_an_unknown_status_names_the_field(raw):
    with pytest.raises(InvalidCallReport, match="DialCallStatus"):
        from_twilio(raw, "DialCallStatus")


def _run(*reports: StatusReport) -> CallProgress:
    progress = CallProgress(S.QUEUED)
    for report in reports:
        progress = advance(progress, report) or progress
    return progress


def test_a_call_answered_and_completed_in_order():
    final = _run(StatusReport(S.RINGING, at(1)), StatusReport(S.IN_PROGRESS, at(5)),
                 StatusReport(S.COMPLETED, at(47), duration=42))
    assert final == CallProgress(S.COMPLETED, at(5), at(47), 42)


def test_talk_time_comes_from_the_clock_when_twilio_gives_no_duration():
    final = _run(StatusReport(S.IN_PROGRESS, at(5)), StatusReport(S.COMPLETED, at(65)))
    assert final.talk_seconds == 60


def test_completed_stays_completed_whatever_arrives_late():
    done = _run(StatusReport(S.IN_PROGRESS, at(5)), StatusReport(S.COMPLETED, at(47), 42))
    for late in (StatusReport(S.RINGING, at(1)), StatusReport(S.QUEUED, at(0)),
                 StatusReport(S.IN_PROGRESS, at(6)), StatusReport(S.NO_ANSWER, at(50)),
                 StatusReport(S.COMPLETED, at(60), 99)):
        assert advance(done, late) is None


def test_a_late_answer_fills_the_missing_answer_time_but_not_the_status():
    done = _run(StatusReport(S.COMPLETED, at(47), 42))
    filled = advance(done, StatusReport(S.IN_PROGRESS, at(5)))
    assert filled == CallProgress(S.COMPLETED, at(5), at(47), 42)


def test_ringing_after_answer_is_ignored_and_repeats_change_nothing():
    answered = _run(StatusReport(S.IN_PROGRESS, at(5)))
    assert advance(answered, StatusReport(S.RINGING, at(2))) is None
    assert advance(answered, StatusReport(S.IN_PROGRESS, at(5))) is None


def test_unanswered_endings_have_no_talk_time():
    for status in (S.BUSY, S.NO_ANSWER, S.FAILED, S.CANCELED):
        final = _run(StatusReport(S.RINGING, at(1)), StatusReport(status, at(30), 30))
        assert final == CallProgress(status, None, at(30), 0)


def test_identities_round_trip_and_reject_anything_else():
    agent = uuid.uuid4()
    assert agent_identity(agent) == f"agent-{agent}"
    assert agent_from_identity(f"client:agent-{agent}") == agent
    assert agent_from_identity(f"agent-{agent}") == agent
    for bad in (None, "", "client:bob", f"client:user-{agent}", "agent-not-a-uuid"):
        assert agent_from_identity(bad) is None


GOOD = DialFacts(agent_active=True, user_known=True, e164="+447911123456", do_not_call=False,
                 lease_id=uuid.uuid4(), queue_type="UNSIGNED")


@pytest.mark.parametrize(("change", "closed", "words"), [
    ({"agent_active": False}, None, "not active"),
    ({}, "outside the calling window: no calls on Sundays", "no calls on Sundays"),
    ({"user_known": False, "e164": None}, None, "not known"),
    ({"e164": None}, None, "cannot be dialled"),
    ({"do_not_call": True}, None, "do not call"),
    ({"lease_id": None}, None, "not assigned to you"),
])
def test_each_refusal_says_why(change, closed, words):
    assert words in dial_refusal(replace(GOOD, **change), closed)


def test_a_dialable_leased_user_is_dialled():
    assert dial_refusal(GOOD, None) is None


@pytest.mark.parametrize(("now", "months", "expected"), [
    (datetime(2026, 11, 24, tzinfo=UTC), 12, datetime(2025, 11, 24, tzinfo=UTC)),
    (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
    (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
])
def test_retention_counts_calendar_months(now, months, expected):
    assert months_before(now, months) == expected
