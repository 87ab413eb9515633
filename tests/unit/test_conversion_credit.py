"""Which call and agent a conversion is credited to, and whether it counts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.calls.attribution import (
    CallBefore,
    Credit,
    DispositionBefore,
    LinkFollowed,
    credit,
    within_window,
)

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
ALICE, BOB, AVA = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()  # Ava: an automated agent


def call(started_at: datetime, talk: int, agent=ALICE, queue_type="UNSIGNED") -> CallBefore:
    return CallBefore(uuid.uuid4(), agent, queue_type, started_at, talk)


def followed(at: datetime, sent_by=AVA, link_id=None) -> LinkFollowed:
    return LinkFollowed(link_id or uuid.uuid4(), sent_by, at)


def test_the_window_is_thirty_days_and_includes_both_ends():
    assert within_window(AT - timedelta(days=30), AT) and within_window(AT, AT)
    assert not within_window(AT - timedelta(days=30) - SECOND, AT)
    assert not within_window(AT + SECOND, AT)


def test_exactly_thirty_seconds_is_not_a_real_conversation():
    short = call(AT - SECOND, 30)
    assert credit(AT, [short], []) == Credit(None, None, None)  # a conversion, nobody's
    real = call(AT - SECOND, 31)
    assert credit(AT, [real], []) == Credit(ALICE, real.id, "UNSIGNED")


def test_a_talk_exactly_thirty_days_before_counts_a_second_more_does_not():
    edge = call(AT - timedelta(days=30), 60)
    assert credit(AT, [edge], []) == Credit(ALICE, edge.id, "UNSIGNED")
    assert credit(AT, [call(AT - timedelta(days=30) - SECOND, 60)], []) is None


def test_a_call_after_the_conversion_does_not_make_it_one():
    assert credit(AT, [call(AT + SECOND, 60)], []) is None


def test_the_last_real_conversation_wins_over_a_later_short_call():
    earlier = call(AT - timedelta(days=2), 45, ALICE, "UNSIGNED")
    later = call(AT - timedelta(days=1), 90, BOB, "OUTSTANDING_REQUESTS")
    short = call(AT - timedelta(hours=1), 5, ALICE, "CALLBACK")
    assert credit(AT, [earlier, short, later], []) == Credit(BOB, later.id,
                                                             "OUTSTANDING_REQUESTS")


def test_without_a_call_the_last_disposition_in_the_window_gives_the_queue():
    old = DispositionBefore("UNSIGNED", AT - timedelta(days=3))
    last = DispositionBefore("CALLBACK", AT - timedelta(days=1))
    outside = DispositionBefore("OUTSTANDING_REQUESTS", AT - timedelta(days=30, seconds=1))
    assert credit(AT, [], [old, last, outside]) == Credit(None, None, "CALLBACK")
    assert credit(AT, [], [outside]) is None


def test_a_talk_without_a_queue_falls_back_to_the_last_disposition():
    inbound = call(AT - SECOND, 60, queue_type=None)
    last = DispositionBefore("CALLBACK", AT - timedelta(days=1))
    assert credit(AT, [inbound], [last]) == Credit(ALICE, inbound.id, "CALLBACK")
    assert credit(AT, [inbound], []) == Credit(ALICE, inbound.id, None)


def test_nothing_before_is_no_conversion():
    assert credit(AT, [], []) is None


def test_without_a_call_a_followed_link_makes_a_conversion_credited_to_its_sender():
    assert credit(AT, [], [], [followed(AT - timedelta(days=2))]) == Credit(AVA, None, None)
    assert credit(AT, [], [], [followed(AT - timedelta(days=30))]) == Credit(AVA, None, None)
    assert credit(AT, [], [], [followed(AT - timedelta(days=30) - SECOND)]) is None
    assert credit(AT, [], [], [followed(AT + SECOND)]) is None  # followed after it


def test_the_last_followed_link_wins_whenever_it_was_sent():
    early = followed(AT - timedelta(days=5), ALICE)
    late = followed(AT - timedelta(days=1), AVA)
    again = followed(AT - timedelta(days=40), BOB)  # first clicked before the window
    assert credit(AT, [], [], [late, early, again]) == Credit(AVA, None, None)
    # the same link followed again later (its last click) is the last follow
    assert credit(AT, [], [], [late, early, followed(AT - SECOND, ALICE, early.link_id)]) == \
        Credit(ALICE, None, None)


def test_a_link_sent_by_nobody_still_counts_and_credits_nobody():
    assert credit(AT, [], [], [followed(AT - SECOND, None)]) == Credit(None, None, None)


def test_a_real_conversation_wins_over_a_later_link():
    talk = call(AT - timedelta(days=3), 120, BOB)
    link = followed(AT - timedelta(hours=1))
    assert credit(AT, [talk], [], [link]) == Credit(BOB, talk.id, "UNSIGNED")


def test_a_link_wins_over_short_calls_and_takes_the_dispositions_queue():
    short = call(AT - timedelta(hours=2), 10, BOB)
    last = DispositionBefore("CALLBACK", AT - timedelta(days=1))
    link = followed(AT - timedelta(days=4))
    assert credit(AT, [short], [last], [link]) == Credit(AVA, None, "CALLBACK")
