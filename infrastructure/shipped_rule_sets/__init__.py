"""Rule-set documents the repository ships beside the default (domain.scoring.rules)."""

from __future__ import annotations

import json
from importlib import resources

SHIPPED = ("learned",)


def shipped_rule_set(name: str) -> dict:
    """The document shipped as ``name`` (one of SHIPPED)."""
    if name not in SHIPPED:
        raise ValueError(f"no rule set is shipped as {name!r} (shipped: {', '.join(SHIPPED)})")
    return json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text())
