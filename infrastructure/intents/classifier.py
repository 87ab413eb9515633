"""The intent classifier: character and word n-grams into a logistic regression.

scikit-learn is imported inside the functions that train, so importing this module (as the
CLI and the API do through the composition root) costs nothing until a model is built.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from domain.conversations.model import Classification, Intent, Source
from domain.conversations.normalise import normalise
from domain.conversations.ports import IntentClassifier

CORPUS = Path(__file__).with_name("corpus")
REPLIES = CORPUS / "replies.csv"
C = 30.0  # little regularisation: the texts are short and the corpus small


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: Intent


def read_replies(path: Path = REPLIES, split: str | None = "train") -> list[Example]:
    """The labelled replies of one split (every row when split is None)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [Example(row["text"], Intent(row["intent"].strip()))
                for row in csv.DictReader(handle)
                if split is None or row["split"].strip() == split]


class TrainedClassifier(IntentClassifier):
    """A model trained at construction on normalised texts."""

    def __init__(self, examples: Iterable[Example], c: float = C) -> None:
        examples = list(examples)
        self._model = _train([normalise(e.text) for e in examples],
                             [e.intent.value for e in examples], c)
        self._fast = OneText(self._model)
        self._intents = [Intent(label) for label in self._model.classes_]
        self._opt_out = (self._intents.index(Intent.OPT_OUT)
                         if Intent.OPT_OUT in self._intents else None)

    @classmethod
    def from_corpus(cls, path: Path = REPLIES, c: float = C) -> TrainedClassifier:
        return cls(read_replies(path, "train"), c)

    def classify(self, normalised: str) -> Classification:
        probabilities = self._fast.probabilities(normalised)
        best = int(probabilities.argmax())
        opt_out = 0.0 if self._opt_out is None else float(probabilities[self._opt_out])
        return Classification(self._intents[best], _probability(probabilities[best]),
                              Source.CLASSIFIER, opt_out=_probability(opt_out))


def _train(texts: list[str], labels: list[str], c: float):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    # Character n-grams run across words ("it in", "no more") and, with the message's
    # start and end marked, tell a whole "give over" from one inside a longer text.
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True,
                                  preprocessor=_bounded)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  token_pattern=r"[^ ]+", preprocessor=_bounded)),
    ])
    model = make_pipeline(features, LogisticRegression(C=c, class_weight="balanced",
                                                       max_iter=2_000))
    return model.fit(texts, labels)


class OneText:
    """The trained pipeline's arithmetic for one text: the same TF-IDF features (sublinear
    counts, idf, each part normalised to unit length) and the same softmax over the
    logistic regression's scores, without sklearn's checks of its input on every call,
    which cost most of a classification."""

    def __init__(self, model) -> None:
        import numpy

        union, regression = model.steps[0][1], model.steps[-1][1]
        self._np, self._parts, offset = numpy, [], 0
        for _, vectorizer in union.transformer_list:
            self._parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_,
                                vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)
        self._coef = regression.coef_
        self._intercept = regression.intercept_
        self._pipeline = model if len(regression.classes_) < 3 else None  # binary: as is

    def probabilities(self, text: str):
        """What ``predict_proba([text])[0]`` gives."""
        if self._pipeline is not None:
            return self._pipeline.predict_proba([text])[0]
        np, scores = self._np, self._intercept.copy()
        for analyzer, vocabulary, idf, offset in self._parts:
            counts = Counter(i for i in map(vocabulary.get, analyzer(text)) if i is not None)
            if not counts:
                continue
            index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=float,
                                                count=len(counts)))) * idf[index]
            scores += self._coef[:, index + offset] @ (weights / np.linalg.norm(weights))
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


def _bounded(normalised: str) -> str:
    """The text between marks normalisation never leaves in it, so n-grams see its ends."""
    return f"^ {normalised} $"


def _probability(value: float) -> float:
    """A float probability kept inside 0..1 whatever the rounding."""
    return min(1.0, max(0.0, float(value)))
