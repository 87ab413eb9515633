"""What an inbound text means: the keyword rules first, then the classifier, then (when an
operator configured one) a language model's second opinion within the same guardrails."""

from __future__ import annotations

from domain.conversations.keywords import keyword_intent
from domain.conversations.model import Classification, Intent, Source
from domain.conversations.normalise import normalise
from domain.conversations.ports import IntentClassifier, IntentSecondOpinion

_NOTHING_SAID = Classification(Intent.OTHER, 1.0, Source.KEYWORD)


class Understanding:
    """``opt_out_at``: the local OPT_OUT confidence no second opinion may overrule."""

    def __init__(self, classifier: IntentClassifier,
                 second_opinion: IntentSecondOpinion | None = None,
                 opt_out_at: float = 0.9) -> None:
        self.classifier = classifier
        self.second_opinion = second_opinion
        self.opt_out_at = opt_out_at

    def read(self, body: str | None) -> Classification:
        """The intent of a text; an empty one (or only emoji and punctuation) is OTHER."""
        return self._local(normalise(body))

    async def read_async(self, body: str | None) -> Classification:
        """As ``read``, asking the second opinion (if any) when no keyword rule decided;
        without an answer from it in time, the local reading stands."""
        normalised = normalise(body)
        reading = self._local(normalised)
        if (self.second_opinion is None or reading.source is not Source.CLASSIFIER
                or self._sure_opt_out(reading)):
            return reading
        opinion = await self.second_opinion.classify(normalised)
        return reading if opinion is None else guarded(reading, opinion)

    def _local(self, normalised: str) -> Classification:
        if not normalised:
            return _NOTHING_SAID
        return keyword_intent(normalised) or self.classifier.classify(normalised)

    def _sure_opt_out(self, reading: Classification) -> bool:
        return reading.intent is Intent.OPT_OUT and reading.confidence >= self.opt_out_at


def guarded(local: Classification, opinion: Classification) -> Classification:
    """The second opinion's intent with no lower chance of an opt-out than the local
    classifier gave (nor than its own OPT_OUT confidence): it may ask for a review or an
    opt-out, never talk one away."""
    own = opinion.confidence if opinion.intent is Intent.OPT_OUT else 0.0
    return Classification(opinion.intent, opinion.confidence, Source.LLM,
                          opt_out=max(local.opt_out, opinion.opt_out, own))
