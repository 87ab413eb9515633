"""Writes infrastructure/shipped_rule_sets/learned.json from domain.scoring.learned_rule_set
(run after changing its factors or years; a test checks the file matches)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import holidays

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.scoring.learned_rule_set import SHIPPED_YEARS, learned_rule_set_document  # noqa: E402

if __name__ == "__main__":
    days = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=SHIPPED_YEARS))
    target = ROOT / "infrastructure" / "shipped_rule_sets" / "learned.json"
    target.write_text(json.dumps(learned_rule_set_document(days), indent=1) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")
