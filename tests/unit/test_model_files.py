"""The model factor's estimator files: a real scikit-learn estimator, read from MODELS_DIR
only, and what is refused."""

from __future__ import annotations

import os
import pickle

import joblib
import pytest
from sklearn.linear_model import LogisticRegression

from domain.scoring.learned_rules import ModelFeatures, ModelRule
from infrastructure.model_files import ModelFiles

FEATURES = ModelFeatures(london_hour=18, weekday=2, age=55, failed_attempts=1,
                         days_since_reached=3, open_claims=2, window_rate=0.6)


def trained() -> LogisticRegression:
    rows = [[h, d % 6, 30 + d, d % 3, d % 9, 1 + d % 2, (h - 8) / 12]
            for h in range(8, 20) for d in range(20)]
    answered = [int(r[0] >= 17) for r in rows]  # evenings answer
    return LogisticRegression(max_iter=500).fit(rows, answered)


@pytest.fixture
def models(tmp_path):
    joblib.dump(trained(), tmp_path / "contact.joblib")
    return ModelFiles(tmp_path)


def test_a_fitted_estimator_gives_its_own_probability(models):
    rule = ModelRule("contact.joblib", -20, True)
    assert models.problem(rule) is None
    predictor = models.predictor(rule)
    expected = trained().predict_proba([FEATURES.as_row()])[0][1]
    assert predictor.probability(FEATURES) == pytest.approx(expected)
    assert predictor.probability(FEATURES) > 0.5  # an evening hour


def test_a_model_that_is_off_is_not_read(models):
    assert models.predictor(ModelRule("contact.joblib", -20, False)) is None


@pytest.mark.parametrize("name, words", [
    ("../contact.joblib", "without folders"),
    ("/etc/passwd", "without folders"),
    ("missing.joblib", "not in the models directory"),
])
def test_only_a_file_in_the_models_directory_may_be_named(models, name, words):
    assert words in models.problem(ModelRule(name, -20, True))
    assert models.predictor(ModelRule(name, -20, True)) is None


def test_a_file_without_predict_proba_is_refused(tmp_path):
    (tmp_path / "list.pkl").write_bytes(pickle.dumps([1, 2, 3]))
    (tmp_path / "junk.joblib").write_bytes(b"not a model")
    models = ModelFiles(tmp_path)
    assert "predict_proba" in models.problem(ModelRule("list.pkl", -20, True))
    assert "cannot be read" in models.problem(ModelRule("junk.joblib", -20, True))
    assert models.predictor(ModelRule("junk.joblib", -20, True)) is None


def test_a_replaced_file_is_read_again(tmp_path):
    models = ModelFiles(tmp_path)
    path = tmp_path / "m.joblib"
    joblib.dump(trained(), path)
    first = models.predictor(ModelRule("m.joblib", -20, True)).probability(FEATURES)
    flipped = LogisticRegression(max_iter=500).fit([[0] * 7, [1] * 7] * 5, [1, 0] * 5)
    joblib.dump(flipped, path)
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))  # a new modification time
    second = models.predictor(ModelRule("m.joblib", -20, True)).probability(FEATURES)
    assert first != second
