import pytest

from domain.conversations.normalise import MAX_CHARS, normalise


@pytest.mark.parametrize(("text", "expected"), [
    ("ＳＴＯＰ", "stop"),
    ("Stop stop STOP!!!", "stop"),
    ("  Please\n\tSTOP  ", "please stop"),
    ("Café résumé", "cafe resume"),
    ("opt-out", "opt out"),
    ("Don’t text me", "dont text me"),
    ("stop🛑", "stop"),
    ("call me after 5:30!", "call me after 5:30"),
    ("ring 5.30 tmrw", "ring 5:30 tomorrow"),
    ("pls stop txting me u know ur msgs", "please stop texting me you know your messages"),
    ("12/06 at noon", "12/06 at noon"),
    ("ok :) thanks", "ok thanks"),
])
def test_canonical_spelling(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "!!!", "🙂🙂"])
def test_nothing_said_is_empty(text):
    assert normalise(text) == ""


def test_control_and_zero_width_characters_are_dropped_inside_words():
    assert normalise("\x00st\x07op\x1b") == "stop"
    assert normalise("st\u200bop") == "stop"


def test_a_huge_body_is_truncated_first():
    assert len(normalise("word " * 100_000)) <= MAX_CHARS
    assert normalise("x" * 10_000) == "x" * MAX_CHARS


def test_only_immediately_repeated_words_collapse():
    assert normalise("stop it stop it") == "stop it stop it"
    assert normalise("no no no stop") == "no stop"
