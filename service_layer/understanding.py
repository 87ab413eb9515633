"""What an inbound text means: the keyword rules first, then the classifier."""

from __future__ import annotations

from domain.conversations.keywords import keyword_intent
from domain.conversations.model import Classification, Intent, Source
from domain.conversations.normalise import normalise
from domain.conversations.ports import IntentClassifier

_NOTHING_SAID = Classification(Intent.OTHER, 1.0, Source.KEYWORD)


class Understanding:
    def __init__(self, classifier: IntentClassifier) -> None:
        self.classifier = classifier

    def read(self, body: str | None) -> Classification:
        """The intent of a text; an empty one (or only emoji and punctuation) is OTHER."""
        normalised = normalise(body)
        if not normalised:
            return _NOTHING_SAID
        return keyword_intent(normalised) or self.classifier.classify(normalised)
