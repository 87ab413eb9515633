"""schema.graphql is the code's schema, and the frontend's operations validate against it."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import DocumentNode, OperationDefinitionNode, build_schema, parse, validate

from graphql_api.schema import schema
from tests.contracts import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = OPERATIONS
# The contract files whose issues have landed; the rest join as their issues do.
CONTRACT_FILES = ["agent.graphql", "user.graphql", "queue.graphql", "scoring.graphql",
                  "calls.graphql", "communications.graphql",
                  "supervisor.graphql", "conversations.graphql", "learning.graphql"]


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


# Single operations of files that have not landed as a whole: (file, operation).
CONTRACT_OPERATIONS = [("admin.graphql", op) for op in (
    "AuditLog", "Agents", "CreateAgent", "UpdateAgent", "ResetAgentPassword", "ChangePassword",
    "Callbacks", "ReassignCallbacks", "DoNotCall", "AddDoNotCall", "RemoveDoNotCall",
    "QueueMovements")]


@pytest.mark.parametrize(("name", "operation"), CONTRACT_OPERATIONS)
def test_single_contract_operations_validate(name, operation):
    sdl = build_schema((ROOT / "schema.graphql").read_text())
    whole = parse((CONTRACTS / name).read_text())
    chosen = [d for d in whole.definitions
              if isinstance(d, OperationDefinitionNode) and d.name and d.name.value == operation]
    assert len(chosen) == 1, f"{name} has no single operation {operation}"
    errors = validate(sdl, DocumentNode(definitions=tuple(chosen)))
    assert not errors, [e.message for e in errors]
