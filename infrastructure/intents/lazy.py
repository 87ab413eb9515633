"""The trained classifier, built on first use, once per process.

Training (and importing scikit-learn) takes about a second: a process that never reads a
text (the CLI, most tests) never pays it, and an API process warms it in a thread at start
so the first customer's text does not wait.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from domain.conversations.model import Classification
from domain.conversations.ports import IntentClassifier
from infrastructure.intents.classifier import REPLIES, TrainedClassifier

log = logging.getLogger(__name__)
_built: dict[Path, TrainedClassifier] = {}
_building = threading.Lock()  # the warming thread and a first text may race


class LazyClassifier(IntentClassifier):
    def __init__(self, corpus: Path = REPLIES) -> None:
        self.corpus = corpus

    def classify(self, normalised: str) -> Classification:
        return trained(self.corpus).classify(normalised)


def trained(corpus: Path = REPLIES) -> TrainedClassifier:
    """The process's model of this corpus, trained the first time it is asked for."""
    model = _built.get(corpus)
    if model is None:
        with _building:
            model = _built.get(corpus)
            if model is None:
                model = _built[corpus] = TrainedClassifier.from_corpus(corpus)
    return model


def warm() -> None:
    """Trains the default model now, so no text waits for it; a failure only logs (the
    first text then tries again)."""
    try:
        trained()
    except Exception:
        log.exception("the intent classifier could not be trained at start")
