"""Pure queue rules: placement, exclusions, the calling window, diffs, disposition effects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.calls.disposition import InvalidDisposition, cooldown_until, effects_of
from domain.calls.outcomes import CallOutcome
from domain.queue.calling_window import CallingWindow
from domain.queue.facts import DiallerFacts, DueCallback, ReplicaFacts, claims_fingerprint
from domain.queue.membership import place
from domain.queue.model import QueueChangeKind, QueueEntry, QueueType, diff
from domain.scoring.rules import default_rule_set

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
OPEN = (("Santander", NOW - timedelta(days=3)),)


def replica(**overrides) -> ReplicaFacts:
    values = dict(user_id=1, phone_raw="07911 123456", date_of_birth=None, status="active",
                  is_enabled=True, signed=False, post_code=None, open_claims=OPEN,
                  claim_keys=((10, "new"),), pending_requirements=0)
    return ReplicaFacts(**{**values, **overrides})


def dialler(**overrides) -> DiallerFacts:
    return DiallerFacts(**{"phone_dialable": True, **overrides})


@pytest.mark.parametrize("facts, expected", [
    (replica(), QueueType.UNSIGNED),
    (replica(signed=True, pending_requirements=2), QueueType.OUTSTANDING_REQUESTS),
    (replica(signed=True, pending_requirements=0), None),
    (replica(open_claims=()), None),                       # no open claim
    (replica(status="inactive"), None),
    (replica(status=None), None),                          # NULL status is not eligible
    (replica(is_enabled=None), None),
    (replica(is_enabled=False), None),
    (replica(status="suspended"), QueueType.UNSIGNED),     # only 'inactive' is excluded
])
def test_placement_follows_the_design(facts, expected):
    assert place(facts, dialler()).queue_type is expected


def test_a_due_callback_wins_over_everything_else():
    due = DueCallback(5, NOW, None)
    assert place(replica(signed=True, pending_requirements=1),
                 dialler(callback=due)).queue_type is QueueType.CALLBACK
    assert place(replica(is_enabled=False), dialler(callback=due)).queue_type is None


@pytest.mark.parametrize("facts, why", [
    (dialler(do_not_call=True, callback=DueCallback(5, NOW, None)), "on the do-not-call list"),
    (dialler(phone_dialable=False), "undialable phone number"),
    (dialler(wrong_number_phone="07911 123456"), "wrong number: waiting for a new phone number"),
    (dialler(no_claim_fingerprint=claims_fingerprint(((10, "new"),))),
     "no claim: waiting for the claims to change"),
])
def test_exclusions_say_why(facts, why):
    placement = place(replica(), facts)
    assert (placement.queue_type, placement.reason) == (None, why)


def test_blocks_lift_when_the_phone_or_the_claims_change():
    assert place(replica(phone_raw="07911 999999"),
                 dialler(wrong_number_phone="07911 123456")).queue_type is QueueType.UNSIGNED
    block = claims_fingerprint(((10, "new"),))
    assert place(replica(claim_keys=((10, "new"), (11, "new"))),
                 dialler(no_claim_fingerprint=block)).queue_type is QueueType.UNSIGNED


def test_fingerprints_ignore_order():
    assert claims_fingerprint([(2, "x"), (1, None)]) == claims_fingerprint([(1, None), (2, "x")])


@pytest.mark.parametrize("at, open_", [
    (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), True),     # 08:00 GMT
    (datetime(2026, 11, 24, 7, 59, tzinfo=UTC), False),
    (datetime(2026, 11, 24, 20, 0, tzinfo=UTC), False),   # closes at 20:00
    (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), False),   # a Sunday
    (datetime(2026, 11, 28, 12, 0, tzinfo=UTC), True),    # a Saturday
    (datetime(2026, 12, 25, 12, 0, tzinfo=UTC), False),   # Christmas Day
    (datetime(2026, 7, 1, 7, 30, tzinfo=UTC), True),      # 08:30 BST
    (datetime(2026, 7, 1, 19, 30, tzinfo=UTC), False),    # 20:30 BST
    (datetime(2026, 8, 31, 12, 0, tzinfo=UTC), False),    # summer bank holiday
])
def test_the_calling_window_is_london_time_without_bank_holidays(at, open_):
    assert CallingWindow().is_open(at) is open_


def test_the_next_opening_skips_closed_days():
    saturday_night = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
    assert CallingWindow().next_opening(saturday_night) == datetime(2026, 11, 30, 8, 0,
                                                                    tzinfo=UTC)


def test_a_window_that_never_opens_is_refused():
    with pytest.raises(ValueError):
        CallingWindow(opens=datetime(2026, 1, 1, 20).time(), closes=datetime(2026, 1, 1, 8).time())


def test_diff_names_each_kind_of_change():
    a = QueueEntry(1, QueueType.UNSIGNED, -10.0)
    changes = diff({1: a, 2: QueueEntry(2, QueueType.UNSIGNED, 0.0),
                    3: QueueEntry(3, QueueType.UNSIGNED, 5.0)},
                   {1: a, 2: QueueEntry(2, QueueType.CALLBACK, 0.0),
                    3: QueueEntry(3, QueueType.UNSIGNED, 4.0),
                    4: QueueEntry(4, QueueType.OUTSTANDING_REQUESTS, 1.0)}, "cdc", NOW)
    assert [(c.user_id, c.kind) for c in changes] == [
        (2, QueueChangeKind.MOVED), (3, QueueChangeKind.RESCORED), (4, QueueChangeKind.ADDED)]
    removed = diff({5: a}, {}, "cdc", NOW)
    assert removed[0].kind is QueueChangeKind.REMOVED and removed[0].to_queue is None


def test_cool_downs_follow_the_rule_set():
    cooldowns = default_rule_set().cooldowns
    assert cooldown_until(CallOutcome.NO_ANSWER, cooldowns, NOW, None) == NOW + timedelta(hours=4)
    assert cooldown_until(CallOutcome.NOT_INTERESTED, cooldowns, NOW, None) == \
        NOW + timedelta(days=30)
    later = NOW + timedelta(days=1)
    assert cooldown_until(CallOutcome.CALLBACK_REQUESTED, cooldowns, NOW, later) == later
    assert cooldown_until(CallOutcome.WRONG_NUMBER, cooldowns, NOW, None) is None


def test_disposition_effects():
    window, cooldowns = CallingWindow(), default_rule_set().cooldowns
    busy = effects_of(CallOutcome.BUSY, None, None, NOW, window, cooldowns)
    assert (busy.failed_attempt, busy.reached) == (True, False)
    dnc = effects_of(CallOutcome.DO_NOT_CALL, "asked", None, NOW, window, cooldowns)
    assert dnc.do_not_call and dnc.reached
    with pytest.raises(InvalidDisposition, match="callbackAt is required"):
        effects_of(CallOutcome.CALLBACK_REQUESTED, None, None, NOW, window, cooldowns)
    with pytest.raises(InvalidDisposition, match="longer than"):
        effects_of(CallOutcome.CONTACTED, "x" * 5000, None, NOW, window, cooldowns)
    naive = datetime(2026, 11, 25, 10, 0)
    with pytest.raises(InvalidDisposition, match="time zone"):
        effects_of(CallOutcome.CALLBACK_REQUESTED, None, naive, NOW, window, cooldowns)


def test_personal_callbacks_keep_their_agent():
    agent = uuid.uuid4()
    callback = DueCallback(1, NOW, agent)
    assert place(replica(), dialler(callback=callback)).queue_type is QueueType.CALLBACK
