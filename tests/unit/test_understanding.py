from domain.conversations.model import Classification, Intent, Source
from service_layer.understanding import Understanding
from tests.fakes.intents import FakeIntentClassifier

QUESTION = Classification(Intent.QUESTION, 0.8, Source.CLASSIFIER, opt_out=0.05)


def test_a_keyword_never_reaches_the_classifier():
    classifier = FakeIntentClassifier()
    reading = Understanding(classifier).read("  STOP!! ")
    assert (reading.intent, reading.source, reading.confidence) == (
        Intent.OPT_OUT, Source.KEYWORD, 1.0)
    assert classifier.read == []


def test_other_texts_are_classified_normalised():
    classifier = FakeIntentClassifier({"who is this": QUESTION})
    assert Understanding(classifier).read("Who is THIS??") == QUESTION
    assert classifier.read == ["who is this"]


def test_start_is_an_opt_in():
    assert Understanding(FakeIntentClassifier()).read("Start").intent is Intent.OPT_IN


def test_an_empty_text_is_other_for_certain():
    classifier = FakeIntentClassifier()
    for body in (None, "", "  ", "🙂"):
        assert Understanding(classifier).read(body) == Classification(
            Intent.OTHER, 1.0, Source.KEYWORD)
    assert classifier.read == []
