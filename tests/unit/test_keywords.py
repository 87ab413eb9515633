import pytest

from domain.conversations.keywords import keyword_intent
from domain.conversations.model import Intent, Source
from domain.conversations.normalise import normalise
from domain.messaging.opt_out import Keyword, keyword_of


@pytest.mark.parametrize("text", [
    "STOP", "stop please", "Please stop.", "stop texting me", "please stop texting me",
    "opt out", "OPTOUT", "unsubscribe", "stop all", "end", "cancel", "quit", "remove me",
    "ＳＴＯＰ", "stop stop stop", "pls stop txting me", "Opt-out please",
    "wrong number, stop texting this number", "I'm complaining, now stop messaging us",
    "do us a favour and lose my number", "stop contacting my mum",
])
def test_opt_out_messages(text):
    found = keyword_intent(normalise(text))
    assert found is not None
    assert (found.intent, found.confidence, found.source, found.opt_out) == (
        Intent.OPT_OUT, 1.0, Source.KEYWORD, 1.0)


@pytest.mark.parametrize("text", ["start", "START", "unstop", "opt in", "start please"])
def test_opt_in_messages(text):
    found = keyword_intent(normalise(text))
    assert found is not None and found.intent is Intent.OPT_IN and found.opt_out == 0.0


@pytest.mark.parametrize("text", [
    "I'll stop by later", "end of the month works", "yes", "can you cancel my callback",
    "the end", "stop calling at work, call my mobile", "when does it end",
    "don't stop", "quit my job", "can you cancel", "end asap", "ok", "",
    "please don't stop texting, I still want updates", "don't lose my number",
])
def test_benign_messages_are_left_to_the_classifier(text):
    assert keyword_intent(normalise(text)) is None


def test_the_sms_keywords_read_the_same_words():
    assert keyword_of("OPTOUT") is Keyword.STOP
    assert keyword_of("stop all") is Keyword.STOP
    assert keyword_of("please stop calling me") is None
