"""A contact profile from the active snapshot's rows (domain.learning.profile)."""

from __future__ import annotations

from domain.history.records import Channel
from domain.learning.contact_windows import HOURS
from domain.learning.profile import contact_profile
from domain.learning.reads import EVERYONE, ActiveLearning, LearnedUser

EVENING = tuple(0.6 if h == 18 else 0.2 for h in HOURS)
MORNING = tuple(0.5 if h == 9 else 0.1 for h in HOURS)
ATTEMPTS = tuple(8 if h in (10, 18) else 0 for h in HOURS)
CONTACTS = tuple(8 if h == 18 else 0 for h in HOURS)


def _user(user_id: int = 1, **overrides) -> LearnedUser:
    fields = dict(user_id=user_id, estimates=EVENING, contacts=CONTACTS, attempts=ATTEMPTS,
                  calls=16, answered=8, texts=2, replied=1, call_rate=0.48, text_rate=0.45,
                  preferred=None)
    return LearnedUser(**(fields | overrides))


def _active(*users: LearnedUser) -> ActiveLearning:
    return ActiveLearning(3, {u.user_id: u for u in users},
                          {"45-59 · LS": EVENING, EVERYONE: MORNING})


def test_a_user_with_calls_of_their_own_gets_their_hours_and_rates():
    found = contact_profile(_active(_user(preferred=Channel.CALL)), 1, "45-59 · LS")
    assert found.snapshot_version == 3 and found.user_id == 1
    assert [h.hour for h in found.best_hours][:1] == [18]
    assert sorted(h.hour for h in found.best_hours) == list(HOURS)
    assert [h.probability for h in found.best_hours] == sorted(
        (h.probability for h in found.best_hours), reverse=True)
    assert {h.hour: h.attempts for h in found.best_hours}[10] == 8
    assert (found.call_answer_rate, found.sms_reply_rate) == (0.48, 0.45)
    assert found.preferred_channel is Channel.CALL
    assert found.evidence == (
        "answers 8 of 8 calls between 17:00 and 19:00 (p(contact) = 0.40); "
        "answers 8 of 16 calls (p = 0.48), replies to 1 of 2 texts (p = 0.45)")


def test_ties_between_hours_go_to_the_earlier():
    found = contact_profile(_active(_user()), 1, None)
    tied = [h.hour for h in found.best_hours if h.probability == 0.2]
    assert tied == sorted(tied)


def test_a_user_without_calls_gets_their_segment_or_everyones_hours():
    segment = contact_profile(_active(), 7, "45-59 · LS")
    assert segment.best_hours[0].hour == 18
    assert all(h.attempts == 0 for h in segment.best_hours)
    assert (segment.call_answer_rate, segment.sms_reply_rate) == (None, None)
    assert segment.preferred_channel is None
    assert segment.evidence.startswith("no calls of their own; people like them (45-59 · LS)")
    everyone = contact_profile(_active(), 7, "under 30 · ZE")
    assert everyone.best_hours[0].hour == 9
    assert "no calls of their own; people in general answer best between 08:00 and 10:00" \
        in everyone.evidence


def test_texts_alone_keep_the_rates_and_borrow_the_hours():
    texter = _user(estimates=None, contacts=None, attempts=None, calls=0, answered=0,
                   preferred=Channel.SMS)
    found = contact_profile(_active(texter), 1, "45-59 · LS")
    assert found.best_hours[0].hour == 18 and all(h.attempts == 0 for h in found.best_hours)
    assert found.preferred_channel is Channel.SMS and found.sms_reply_rate == 0.45
    assert found.evidence.startswith("no calls of their own; people like them")
    assert "replies to 1 of 2 texts" in found.evidence


def test_a_user_unknown_everywhere_has_no_profile():
    assert contact_profile(_active(), 99, None) is None
