"""Where the tests find the contracts: the copy in this repository (contracts/)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "contracts"
OPERATIONS = CONTRACTS / "operations"
CDC_SAMPLES = CONTRACTS / "cdc"
# The upstream copy, checked out beside the clone; without it the drift test skips.
SHARED = ROOT.parent / "shared" / "contracts"
