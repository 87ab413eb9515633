"""A rule set's model factor end to end: a scikit-learn estimator in MODELS_DIR scores the
queues, and explainScore names its probability."""

from __future__ import annotations

import json

import joblib
import pytest
from sklearn.linear_model import LogisticRegression

from service_layer.explain import explain
from tests.contracts import ROOT
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration


async def test_an_estimator_file_scores_and_is_explained(tmp_path):
    rows = [[h, 1, 60, 0, -1, 1, -1.0] for h in range(8, 20)] * 4
    joblib.dump(LogisticRegression().fit(rows, [int(r[0] >= 12) for r in rows]),
                tmp_path / "contact.joblib")
    document = json.loads((ROOT / "infrastructure/shipped_rule_sets/learned.json").read_text())
    document["learned"]["model"] = {"file": "contact.joblib", "points": -20, "enabled": True}
    async with queue_env(models_dir=tmp_path) as (services, rows_, clock):
        user = await rows_.user(signature=None)
        await rows_.claim(user, lender="Santander")
        created = await services.rule_sets.create("with model", document, None)
        await services.rule_sets.activate(created.id, NOW)
        await services.queues.rebuild()
        found = await explain(services.queues, user, NOW)
        [model] = [f for f in found.breakdown.factors if f.name == "model"]
        assert model.reason.startswith("model: p(contact) = 0.")
        assert model.points < 0
        async with services.pg.acquire() as conn:
            score = await conn.fetchval("SELECT score FROM queue_entries WHERE user_id = $1",
                                        user)
        assert score == found.breakdown.total
