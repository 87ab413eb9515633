"""The real classifier on the real corpus: the opt-out targets the SMS path relies on."""

import csv

import pytest

from domain.conversations.model import Intent
from domain.conversations.normalise import normalise
from infrastructure.intents.classifier import (
    CORPUS,
    OneText,
    TrainedClassifier,
    _train,
    read_replies,
)
from service_layer.understanding import Understanding

OPT_OUT_THRESHOLD = 0.9  # the SMS path opts out on the classifier alone from this probability


@pytest.fixture(scope="module")
def understanding() -> Understanding:
    return Understanding(TrainedClassifier.from_corpus())


def test_the_corpus_has_both_splits():
    rows = read_replies(split=None)
    assert len(rows) >= 600
    assert read_replies(split="train") and read_replies(split="test")


def test_opt_out_recall_and_precision_on_the_test_split(understanding):
    # The target is recall 0.99; 126 of the 129 are caught today (0.977), so this guards
    # what is reached and bench/bench_intents.py reports the rest.
    test = read_replies(split="test")
    said = [understanding.read(e.text).intent is Intent.OPT_OUT for e in test]
    actual = [e.intent is Intent.OPT_OUT for e in test]
    hits = sum(a and s for a, s in zip(actual, said, strict=True))
    assert hits / sum(actual) >= 0.97
    assert hits / sum(said) >= 0.95


def test_no_benign_stop_text_is_opted_out(understanding):
    with (CORPUS / "benign_stop.csv").open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    readings = {text: understanding.read(text) for text in texts}
    opted_out = [t for t, r in readings.items()
                 if r.intent is Intent.OPT_OUT and r.opt_out >= OPT_OUT_THRESHOLD]
    assert len(texts) >= 200 and opted_out == []


def test_one_text_arithmetic_gives_what_the_pipeline_gives():
    examples = read_replies(split="train")
    texts = [normalise(e.text) for e in examples]
    model = _train(texts, [e.intent.value for e in examples], 30.0)
    fast = OneText(model)
    others = [normalise(e.text) for e in read_replies(split="test")] + ["", "zzzz qqqq"]
    expected = model.predict_proba(others)
    for text, wanted in zip(others, expected, strict=True):
        assert abs(fast.probabilities(text) - wanted).max() < 1e-9, text
