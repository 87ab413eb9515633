"""Imported calls in a user's call history: attempts, failures, latest outcome, cool-down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.calls.outcomes import CallOutcome
from domain.history.effects import with_imported
from domain.history.records import Channel, HistoryRecord, TextOutcome
from domain.messaging.model import Direction
from domain.scoring.model import CallScore
from domain.scoring.rules import default_rule_set

T = datetime(2025, 3, 4, 18, 0, tzinfo=UTC)
COOLDOWNS = default_rule_set().cooldowns


def call(n: int, outcome: CallOutcome | None, at: datetime, *, inbound: bool = False,
         talk: int | None = None) -> HistoryRecord:
    return HistoryRecord(f"c{n}", 7, at, Channel.CALL,
                         Direction.INBOUND if inbound else Direction.OUTBOUND, outcome,
                         talk_seconds=talk)


def test_attempts_failures_latest_outcome_and_its_cool_down():
    got = with_imported(7, None, [call(1, CallOutcome.CONTACTED, T),
                               call(2, CallOutcome.NO_ANSWER, T + timedelta(days=1)),
                               call(3, CallOutcome.BUSY, T + timedelta(hours=2))], COOLDOWNS, T)
    assert (got.total_attempts, got.failed_attempts) == (3, 2)
    assert (got.last_outcome, got.last_called_at) == (CallOutcome.NO_ANSWER,
                                                      T + timedelta(days=1))
    assert got.last_contact_at == T
    assert got.next_call_after == T + timedelta(days=1, minutes=COOLDOWNS["no_answer"])


def test_the_dialler_s_own_newer_call_keeps_its_outcome_and_cool_down():
    own = CallScore(7, 12.5, 4, 1, CallOutcome.CALLBACK_REQUESTED, T + timedelta(days=9),
                    T + timedelta(days=9), T + timedelta(days=10))
    got = with_imported(7, own, [call(1, CallOutcome.NO_ANSWER, T)], COOLDOWNS, T)
    assert (got.total_attempts, got.failed_attempts) == (5, 2)
    assert (got.last_outcome, got.last_called_at, got.last_contact_at, got.next_call_after) == (
        own.last_outcome, own.last_called_at, own.last_contact_at, own.next_call_after)


def test_an_answered_inbound_call_is_a_contact_but_no_attempt():
    got = with_imported(7, None, [call(1, None, T, inbound=True, talk=40),
                               call(2, None, T + timedelta(hours=1), inbound=True, talk=0)],
                        COOLDOWNS, T)
    assert (got.total_attempts, got.last_contact_at, got.last_outcome) == (0, T, None)


def test_texts_change_no_call_history():
    text = HistoryRecord("s1", 7, T, Channel.SMS, Direction.OUTBOUND,
                         text_outcome=TextOutcome.REPLIED)
    assert with_imported(7, None, [text], COOLDOWNS, T) == CallScore(7, 0.0, updated_at=T)
