"""Changing the demo replica as the main application would, and the DMS record it would emit."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from infrastructure.replica.database import ReplicaDatabase

_USER_COLUMNS = ("id", "first_name", "last_name", "email", "phone_number", "date_of_birth",
                 "status", "is_enabled", "introducer", "solicitor", "current_user_address_id",
                 "current_signature_file_id", "last_login", "created_at", "updated_at")
_REQUIREMENT_COLUMNS = ("id", "claim_id", "type", "status", "claim_requirement_reason",
                        "created_at", "updated_at")


class DemoChangeError(ValueError):
    """The change asked for cannot be made (no such user, nothing pending, …)."""


def _mysql_text(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value.tzinfo \
            else value.strftime("%Y-%m-%d %H:%M:%S")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def dms_record(table: str, schema: str, operation: str, before: dict | None, after: dict,
               at: datetime) -> str:
    """A DMS JSON record as the EventBridge Pipe forwards it (the contract's first shape)."""
    stamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    document = {"data": {k: _mysql_text(v) for k, v in after.items()},
                "metadata": {"timestamp": stamp, "record-type": "data", "operation": operation,
                             "partition-key-type": "primary-key",
                             "partition-key-value": f"{schema}.{table}.{after['id']}",
                             "schema-name": schema, "table-name": table,
                             "commit-timestamp": stamp,
                             "stream-position": f"demo:{uuid.uuid4().hex}"}}
    if before is not None:
        document["before-image"] = {k: _mysql_text(v) for k, v in before.items()}
    return json.dumps(document)


async def _row(db: ReplicaDatabase, table: str, columns: tuple[str, ...], where: str,
               args: tuple) -> dict | None:
    rows = await db.fetch(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", args)
    return dict(zip(columns, rows[0], strict=True)) if rows else None


async def set_signed(db: ReplicaDatabase, user_id: int, signed: bool, schema: str,
                     now: datetime) -> str:
    """Signs (or unsigns) a demo user; returns the CDC record of the update."""
    before = await _row(db, "users", _USER_COLUMNS, "id = %s", (user_id,))
    if before is None:
        raise DemoChangeError(f"no user {user_id} in the demo replica")
    signature = (before["current_signature_file_id"] or 900_000 + user_id) if signed else None
    stamp = now.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    await db.execute("UPDATE users SET current_signature_file_id = %s, updated_at = %s "
                     "WHERE id = %s", (signature, stamp, user_id))
    after = {**before, "current_signature_file_id": signature, "updated_at": stamp}
    return dms_record("users", schema, "update", before, after, now)


async def complete_requirement(db: ReplicaDatabase, user_id: int, schema: str,
                               now: datetime) -> str:
    """Completes the user's oldest pending requirement; returns its CDC record."""
    columns = tuple(f"r.{c}" for c in _REQUIREMENT_COLUMNS)
    rows = await db.fetch(
        f"SELECT {', '.join(columns)} FROM claim_requirements r JOIN claims c "
        "ON c.id = r.claim_id WHERE c.user_id = %s AND r.status = 'PENDING' "
        "ORDER BY r.created_at, r.id LIMIT 1", (user_id,))
    if not rows:
        raise DemoChangeError(f"user {user_id} has no pending requirement")
    before = dict(zip(_REQUIREMENT_COLUMNS, rows[0], strict=True))
    stamp = now.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    await db.execute("UPDATE claim_requirements SET status = 'COMPLETED', updated_at = %s "
                     "WHERE id = %s", (stamp, before["id"]))
    after = {**before, "status": "COMPLETED", "updated_at": stamp}
    return dms_record("claim_requirements", schema, "update", {"id": before["id"]}, after, now)
