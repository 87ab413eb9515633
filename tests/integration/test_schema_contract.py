"""schema.graphql is the code's schema, and the frontend's operations validate against it."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from graphql_api.schema import schema
from tests.contracts import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = OPERATIONS
# The contract files whose issues have landed; the rest join as their issues do.
CONTRACT_FILES = ["agent.graphql", "user.graphql", "queue.graphql", "scoring.graphql",
                  "calls.graphql", "communications.graphql",
                  "supervisor.graphql", "conversations.graphql", "learning.graphql",
                  "admin.graphql"]


def test_schema_file_matches_the_code():
    exported = schema.as_str().strip() + "\n"
    on_disk = (ROOT / "schema.graphql").read_text()
    assert on_disk == exported, "schema.graphql drifted: run `python -m graphql_api.export`"


@pytest.mark.parametrize("name", CONTRACT_FILES)
def test_contract_operations_validate(name):
    sdl = build_schema((ROOT / "schema.graphql").read_text())
    document = parse((CONTRACTS / name).read_text())
    errors = validate(sdl, document)
    assert not errors, [e.message for e in errors]
