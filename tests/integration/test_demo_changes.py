"""`dialler demo change`'s replica edits and the CDC records they emit, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.sync.changes import Operation, RowChange, parse_body
from infrastructure.replica.ddl import create_replica_tables
from infrastructure.replica.demo_changes import (
    DemoChangeError,
    complete_requirement,
    set_signed,
)
from tests.integration.test_seed import ENGINES
from tests.replica_rows import ReplicaRows

pytestmark = pytest.mark.integration
AT = datetime(2026, 11, 24, 10, 30, 5, tzinfo=UTC)


@pytest.fixture(params=list(ENGINES))
async def rows(request):
    from infrastructure.replica.database import ReplicaDatabase

    create, drop = ENGINES[request.param]
    address = await create("demo_change")
    db = await ReplicaDatabase.open(address, read_only=False)
    await create_replica_tables(db)
    yield ReplicaRows(db)
    await db.close()
    await drop(address)


async def test_signing_updates_the_row_and_emits_a_dms_update(rows):
    user = await rows.user(signature=None)
    change = parse_body(await set_signed(rows.db, user, True, "rmc", AT))
    assert isinstance(change, RowChange)
    assert (change.table, change.operation, change.schema) == ("users", Operation.UPDATE, "rmc")
    assert change.before["current_signature_file_id"] is None
    assert change.row["current_signature_file_id"] is not None
    assert change.row_updated_at == AT.replace(microsecond=0) == change.committed_at.replace(
        microsecond=0)
    [(signature,)] = await rows.db.fetch(
        "SELECT current_signature_file_id FROM users WHERE id = %s", (user,))
    assert signature == change.row["current_signature_file_id"]
    undone = parse_body(await set_signed(rows.db, user, False, "rmc", AT))
    assert undone.row["current_signature_file_id"] is None


async def test_completing_a_requirement_takes_the_oldest_pending_one(rows):
    user = await rows.user(signature=1)
    requirement = await rows.requirement(await rows.claim(user))
    change = parse_body(await complete_requirement(rows.db, user, "rmc", AT))
    assert (change.table, change.row["id"], change.row["status"]) == (
        "claim_requirements", requirement, "COMPLETED")
    [(status,)] = await rows.db.fetch("SELECT status FROM claim_requirements WHERE id = %s",
                                      (requirement,))
    assert status == "COMPLETED"
    with pytest.raises(DemoChangeError, match="no pending requirement"):
        await complete_requirement(rows.db, user, "rmc", AT)


async def test_an_unknown_user_changes_nothing(rows):
    with pytest.raises(DemoChangeError, match="no user 424242"):
        await set_signed(rows.db, 424242, True, "rmc", AT)
