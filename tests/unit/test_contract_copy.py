"""The repository's copy of the contracts is the shared one, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contracts import CONTRACTS, ROOT, SHARED

# The replica schema ships inside the package (the replica's DDL is made from it).
ELSEWHERE = {"replica_schema.sql": ROOT / "infrastructure" / "replica" / "replica_schema.sql"}


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared contracts beside this clone")
def test_the_copy_matches_the_shared_contracts():
    shared = _files(SHARED)
    ours = {path: body for path, body in _files(CONTRACTS).items() if path in shared}
    ours |= {Path(name): path.read_bytes() for name, path in ELSEWHERE.items()}
    assert sorted(ours) == sorted(shared), "a shared contract is missing from contracts/"
    assert [p for p in shared if ours[p] != shared[p]] == []
