"""The model factor's estimators: scikit-learn compatible files in MODELS_DIR.

An estimator is anything with ``predict_proba`` over the rows of
domain.scoring.learned_rules.ModelFeatures whose second column is p(contact). Files are
read with joblib when installed (``pip install .[ml]``), else with pickle. Reading one runs
whatever code it holds, so a rule set may only name a plain file inside MODELS_DIR, the
directory the operator fills; a file that cannot be read gives no model points (and says so
in the log) rather than stopping scoring.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from domain.scoring.learned_rules import ContactPredictor, ModelFeatures, ModelRule

log = logging.getLogger(__name__)


class EstimatorPredictor(ContactPredictor):
    def __init__(self, estimator: object):
        self._predict = estimator.predict_proba  # type: ignore[attr-defined]

    def probability(self, features: ModelFeatures) -> float:
        return float(self._predict([features.as_row()])[0][1])


@dataclass(frozen=True)
class ModelFiles:
    directory: Path

    def problem(self, rule: ModelRule) -> str | None:
        """Why the rule's file cannot serve (None: it can)."""
        path = self._path(rule.file)
        if path is None:
            return (f"must name a file in the models directory ({self.directory}), "
                    f"without folders")
        if not path.is_file():
            return f"names {rule.file!r}, which is not in the models directory " \
                   f"({self.directory})"
        try:
            _load(str(path), path.stat().st_mtime_ns)
        except Exception as exc:  # noqa: BLE001 (any failure of a foreign file is the answer)
            return f"cannot be read as an estimator with predict_proba: {exc}"
        return None

    def predictor(self, rule: ModelRule | None) -> ContactPredictor | None:
        """The rule's estimator when it is on and readable; None otherwise."""
        if rule is None or not rule.enabled:
            return None
        path = self._path(rule.file)
        try:
            if path is None:
                raise ValueError("the file is outside the models directory")
            return _load(str(path), path.stat().st_mtime_ns)
        except Exception as exc:  # noqa: BLE001
            log.warning("model factor off: %s cannot be read (%s)", rule.file, exc)
            return None

    def _path(self, name: str) -> Path | None:
        if Path(name).name != name or name in ("", ".", ".."):
            return None
        return self.directory / name


@lru_cache(maxsize=8)  # keyed by modification time: a replaced file is read again
def _load(path: str, _mtime: int) -> ContactPredictor:
    try:
        import joblib
    except ImportError:
        with open(path, "rb") as handle:
            estimator = pickle.load(handle)  # noqa: S301 (an operator's own file)
    else:
        estimator = joblib.load(path)
    if not callable(getattr(estimator, "predict_proba", None)):
        raise TypeError(f"{type(estimator).__name__} has no predict_proba")
    return EstimatorPredictor(estimator)
