from domain.conversations.model import Classification, Intent, Source
from domain.conversations.policy import OptOutPolicy, Verdict
from domain.conversations.ports import IntentSecondOpinion
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


class FakeSecondOpinion(IntentSecondOpinion):
    """Answers ``answer`` (None: no usable answer), and remembers what it was asked."""

    def __init__(self, answer: Classification | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def classify(self, normalised: str) -> Classification | None:
        self.asked.append(normalised)
        return self.answer


def with_opinion(local: Classification, opinion: Classification | None
                 ) -> tuple[Understanding, FakeSecondOpinion]:
    second = FakeSecondOpinion(opinion)
    classifier = FakeIntentClassifier({"who is this": local})
    return Understanding(classifier, second, opt_out_at=0.9), second


async def test_the_second_opinion_is_used_when_no_keyword_decided():
    opinion = Classification(Intent.WRONG_PERSON, 0.93, Source.LLM, opt_out=0.01)
    understanding, second = with_opinion(QUESTION, opinion)
    assert await understanding.read_async("Who is THIS??") == Classification(
        Intent.WRONG_PERSON, 0.93, Source.LLM, opt_out=0.05)
    assert second.asked == ["who is this"]


async def test_without_an_answer_the_local_reading_stands():
    understanding, second = with_opinion(QUESTION, None)
    assert await understanding.read_async("who is this") == QUESTION
    assert second.asked == ["who is this"]


async def test_keywords_and_empty_texts_never_reach_the_second_opinion():
    understanding, second = with_opinion(QUESTION, QUESTION)
    assert (await understanding.read_async("stop")).source is Source.KEYWORD
    assert (await understanding.read_async("🙂")).source is Source.KEYWORD
    assert second.asked == []


async def test_a_confident_local_opt_out_is_never_overruled():
    local = Classification(Intent.OPT_OUT, 0.9, Source.CLASSIFIER, opt_out=0.9)
    understanding, second = with_opinion(local, Classification(Intent.OTHER, 1.0, Source.LLM))
    assert await understanding.read_async("who is this") == local
    assert second.asked == []
    assert OptOutPolicy(0.9).decide(local) is Verdict.OPT_OUT


async def test_the_second_opinion_cannot_lower_the_chance_of_an_opt_out():
    local = Classification(Intent.OPT_OUT, 0.6, Source.CLASSIFIER, opt_out=0.6)
    opinion = Classification(Intent.QUESTION, 0.99, Source.LLM, opt_out=0.0)
    understanding, _ = with_opinion(local, opinion)
    reading = await understanding.read_async("who is this")
    assert (reading.intent, reading.source, reading.opt_out) == (Intent.QUESTION, Source.LLM, 0.6)
    assert OptOutPolicy(0.9, 0.3).decide(reading) is Verdict.REVIEW  # still before a person


async def test_the_second_opinion_may_raise_the_chance_of_an_opt_out():
    opinion = Classification(Intent.OPT_OUT, 0.95, Source.LLM, opt_out=0.2)
    understanding, _ = with_opinion(QUESTION, opinion)
    reading = await understanding.read_async("who is this")
    assert (reading.intent, reading.opt_out) == (Intent.OPT_OUT, 0.95)
    assert OptOutPolicy(0.9).decide(reading) is Verdict.OPT_OUT


async def test_without_a_second_opinion_read_async_is_read():
    understanding = Understanding(FakeIntentClassifier({"who is this": QUESTION}))
    assert await understanding.read_async("Who is this") == understanding.read("Who is this")
