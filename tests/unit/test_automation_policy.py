"""The automated agents' rules: their share, their hourly cap, their texts, their hand-offs."""

from __future__ import annotations

import pytest

from domain.automation.policy import (
    AUTOMATED,
    HANDOFF_REPLY,
    AutomationPolicy,
    first_text,
    in_share,
)
from domain.conversations.model import Classification, Intent, Source

URL = "https://dialler.example/l/" + "t" * 43


def test_the_share_is_a_stable_split_by_id():
    assert [in_share(u, 20) for u in (100, 119, 120, 199, 1_000_019)] == [
        True, True, False, False, True]
    assert not any(in_share(u, 0) for u in range(200))
    assert all(in_share(u, 100) for u in range(200))
    assert sum(in_share(u, 37) for u in range(10_000)) == 3_700


@pytest.mark.parametrize("percent", [-1, 101])
def test_a_share_out_of_range_is_refused(percent):
    with pytest.raises(ValueError, match="0 to 100"):
        AutomationPolicy(share_percent=percent)


@pytest.mark.parametrize("cap, sent, left", [(None, 0, 20), (None, 55, 5), (None, 70, 0),
                                             (3, 1, 2), (0, 0, 0), (500, 0, 20)])
def test_texts_left_are_the_cap_less_the_last_hour_at_most_a_batch(cap, sent, left):
    assert AutomationPolicy(texts_per_hour=60, batch=20).texts_left(cap, sent) == left


def _reading(intent: Intent, confidence: float) -> Classification:
    return Classification(intent, confidence, Source.CLASSIFIER)


@pytest.mark.parametrize("intent, confidence, acted, hands_over", [
    (Intent.OTHER, 0.4, False, True),  # unsure: a person reads it
    (Intent.CALLBACK_REQUEST, 0.7, False, True),
    (Intent.QUESTION, 0.95, False, True),  # a question with no answer in the reply set
    (Intent.QUESTION, 0.95, True, False),  # answered
    (Intent.OTHER, 0.95, False, False),  # "ok thanks": nothing to do
    (Intent.CALLBACK_REQUEST, 0.95, True, False),  # booked: the hand-off they asked for
])
def test_who_takes_over_a_reply(intent, confidence, acted, hands_over):
    assert AutomationPolicy(handoff_below=0.8).hands_over(_reading(intent, confidence),
                                                          acted) is hands_over


def test_the_first_text_is_personal_says_it_is_automated_and_fits_two_segments():
    text = first_text("  Amelia ", URL, 48)
    assert text.startswith("Hi Amelia, this is " + AUTOMATED)
    assert URL in text and "valid 48 hours" in text and "STOP" in text
    assert len(text) <= 306  # two concatenated GSM-7 segments
    long_name = first_text("A" * 200, URL, 48)
    assert len(long_name) == len(text) - len("Amelia") + 30
    assert first_text(None, URL, 48).startswith("Hello, this is " + AUTOMATED)


def test_the_hand_off_reply_says_it_is_automated_and_how_to_stop():
    assert AUTOMATED in HANDOFF_REPLY and "STOP" in HANDOFF_REPLY
