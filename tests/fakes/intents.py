"""An intent classifier that answers what the test told it, and remembers what it read."""

from __future__ import annotations

from domain.conversations.model import Classification, Intent, Source
from domain.conversations.ports import IntentClassifier


class FakeIntentClassifier(IntentClassifier):
    """``answers``: the classification of each normalised text; anything else is OTHER."""

    def __init__(self, answers: dict[str, Classification] | None = None) -> None:
        self.answers = dict(answers or {})
        self.read: list[str] = []

    def classify(self, normalised: str) -> Classification:
        self.read.append(normalised)
        return self.answers.get(normalised, Classification(Intent.OTHER, 0.5, Source.CLASSIFIER))
