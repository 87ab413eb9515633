"""OptOutPolicy: what a classified text makes the dialler do, at each threshold."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.conversations.model import Classification, Intent, Source
from domain.conversations.policy import OptOutPolicy, Verdict
from infrastructure.settings import Settings

POLICY = OptOutPolicy(opt_out_at=0.9, review_at=0.3, unsure_below=0.5)


def read(intent: Intent, confidence: float, opt_out: float | None = None,
         source: Source = Source.CLASSIFIER) -> Classification:
    chance = opt_out if opt_out is not None else (confidence if intent is Intent.OPT_OUT
                                                  else 0.0)
    return Classification(intent, confidence, source, chance)


@pytest.mark.parametrize(("reading", "verdict"), [
    (read(Intent.OPT_OUT, 1.0, source=Source.KEYWORD), Verdict.OPT_OUT),
    (read(Intent.OPT_OUT, 0.9), Verdict.OPT_OUT),
    (read(Intent.OPT_OUT, 0.8999), Verdict.REVIEW),
    (read(Intent.OPT_OUT, 0.3), Verdict.REVIEW),
    (read(Intent.OPT_IN, 1.0, source=Source.KEYWORD), Verdict.OPT_IN),
    # Only the START keywords opt in: a classifier's guess never lifts an opt-out.
    (read(Intent.OPT_IN, 0.99), Verdict.NONE),
    (read(Intent.OPT_IN, 0.49), Verdict.REVIEW),
    (read(Intent.QUESTION, 0.8, opt_out=0.3), Verdict.REVIEW),
    (read(Intent.QUESTION, 0.8, opt_out=0.2999), Verdict.NONE),
    (read(Intent.OTHER, 0.6, opt_out=0.35), Verdict.REVIEW),
    (read(Intent.CALLBACK_REQUEST, 0.4999), Verdict.REVIEW),
    (read(Intent.CALLBACK_REQUEST, 0.5), Verdict.NONE),
    (read(Intent.OTHER, 0.2), Verdict.NONE),
])
def test_each_threshold_is_inclusive_from_where_it_acts(reading, verdict):
    assert POLICY.decide(reading) is verdict


def test_thresholds_follow_the_settings():
    strict = OptOutPolicy(opt_out_at=0.99, review_at=0.1, unsure_below=0.0)
    assert strict.decide(read(Intent.OPT_OUT, 0.95)) is Verdict.REVIEW
    assert strict.decide(read(Intent.QUESTION, 0.2, opt_out=0.1)) is Verdict.REVIEW
    assert strict.decide(read(Intent.QUESTION, 0.2, opt_out=0.05)) is Verdict.NONE


@pytest.mark.parametrize("thresholds", [(0.5, 0.5, 0.5), (0.3, 0.9, 0.5), (1.1, 0.3, 0.5),
                                        (0.9, -0.1, 0.5), (0.9, 0.3, 2.0)])
def test_impossible_thresholds_are_refused(thresholds):
    with pytest.raises(ValueError):
        OptOutPolicy(*thresholds)


@pytest.fixture
def embedded(monkeypatch):
    for name in ("DATABASE_URL", "REPLICA_DATABASE_URL", "REDIS_URL", "JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def test_the_settings_make_the_policy(embedded, monkeypatch):
    monkeypatch.setenv("INTENT_OPT_OUT_THRESHOLD", "0.8")
    monkeypatch.setenv("INTENT_REVIEW_THRESHOLD", "0.2")
    monkeypatch.setenv("INTENT_UNSURE_BELOW", "0.4")
    assert Settings(_env_file=None).opt_out_policy == OptOutPolicy(0.8, 0.2, 0.4)
    assert Settings(_env_file=None).opt_out_policy.decide(
        read(Intent.OPT_OUT, 0.8)) is Verdict.OPT_OUT


@pytest.mark.parametrize(("name", "value", "named"), [
    ("INTENT_REVIEW_THRESHOLD", "0.95", "INTENT_REVIEW_THRESHOLD must be below"),
    ("INTENT_OPT_OUT_THRESHOLD", "1.5", "intent_opt_out_threshold"),
    ("INTENT_UNSURE_BELOW", "-0.1", "intent_unsure_below"),
])
def test_impossible_settings_are_refused_at_start(embedded, monkeypatch, name, value, named):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=named):
        Settings(_env_file=None)
