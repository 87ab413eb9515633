"""Parsing CDC bodies (DMS JSON, Kinesis-wrapped DMS, Debezium) into row changes. Pure."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Operation(StrEnum):
    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


# Both DMS vocabularies and Debezium's letters; a full-load record is an insert.
_OPERATIONS = {
    "load": Operation.INSERT, "read": Operation.INSERT, "r": Operation.INSERT,
    "insert": Operation.INSERT, "create": Operation.INSERT, "c": Operation.INSERT,
    "update": Operation.UPDATE, "u": Operation.UPDATE,
    "delete": Operation.DELETE, "d": Operation.DELETE,
}


class PoisonMessage(ValueError):
    """A body no retry can make sense of: it goes to the dead-letter queue with this reason."""


@dataclass(frozen=True)
class RowChange:
    table: str
    operation: Operation
    row: Mapping[str, Any]
    before: Mapping[str, Any] | None
    schema: str | None
    committed_at: datetime | None
    key: str  # the same record delivered twice has the same key

    def value(self, column: str) -> Any:
        """A column from the row image, else from the before-image."""
        found = self.row.get(column)
        if found is None and self.before:
            found = self.before.get(column)
        return found

    @property
    def row_updated_at(self) -> datetime | None:
        return parse_row_datetime(self.row.get("updated_at"))


@dataclass(frozen=True)
class ControlRecord:
    """Table definitions, truncates: logged and acknowledged."""

    table: str | None
    operation: str


@dataclass(frozen=True)
class Tombstone:
    """Debezium's null-payload record after a delete: nothing to do."""


Parsed = RowChange | ControlRecord | Tombstone


def parse_body(body: str) -> Parsed:
    """One SQS body, whichever of the accepted shapes it has; PoisonMessage otherwise."""
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PoisonMessage(f"body is not JSON: {exc.msg if hasattr(exc, 'msg') else exc}") \
            from exc
    if not isinstance(document, dict):
        raise PoisonMessage(f"body is JSON but not an object ({type(document).__name__})")
    digest = hashlib.sha256(body.encode()).hexdigest()
    if isinstance(document.get("kinesis"), dict):
        return _parse_dms(_unwrap_kinesis(document["kinesis"]), digest)
    if "metadata" in document:
        return _parse_dms(document, digest)
    if "payload" in document:
        return _parse_debezium(document["payload"], digest)
    raise PoisonMessage("body has neither DMS 'metadata' nor a Debezium 'payload'")


def _unwrap_kinesis(kinesis: dict) -> dict:
    try:
        inner = json.loads(base64.b64decode(kinesis.get("data") or "", validate=True))
    except (binascii.Error, ValueError) as exc:
        raise PoisonMessage(f"kinesis.data is not base64-encoded JSON: {exc}") from exc
    if not isinstance(inner, dict) or "metadata" not in inner:
        raise PoisonMessage("kinesis.data does not hold a DMS record with 'metadata'")
    return inner


def _parse_dms(document: dict, digest: str) -> Parsed:
    meta = document.get("metadata")
    if not isinstance(meta, dict):
        raise PoisonMessage("'metadata' is not an object")
    table = meta.get("table-name")
    if meta.get("record-type") == "control":
        return ControlRecord(table, str(meta.get("operation")))
    if meta.get("record-type") != "data":
        raise PoisonMessage(f"unknown metadata.record-type {meta.get('record-type')!r}")
    operation = _operation(meta.get("operation"))
    row = document.get("data")
    if not isinstance(table, str) or not table:
        raise PoisonMessage("metadata.table-name is missing")
    if not isinstance(row, dict):
        raise PoisonMessage("'data' is missing or not an object")
    before = document.get("before-image")
    committed = _iso(meta.get("commit-timestamp")) or _iso(meta.get("timestamp"))
    position = meta.get("stream-position")
    key = f"dms:{position}:{meta.get('transaction-record-id')}:{table}" if position else digest
    return RowChange(table, operation, row, before if isinstance(before, dict) else None,
                     meta.get("schema-name"), committed, key)


def _parse_debezium(payload: Any, digest: str) -> Parsed:
    if payload is None:
        return Tombstone()
    if not isinstance(payload, dict):
        raise PoisonMessage("Debezium 'payload' is not an object")
    source = payload.get("source")
    if not isinstance(source, dict) or not source.get("table"):
        raise PoisonMessage("Debezium payload.source.table is missing")
    operation = _operation(payload.get("op"))
    before, after = payload.get("before"), payload.get("after")
    row = after if operation is not Operation.DELETE else before
    if not isinstance(row, dict):
        raise PoisonMessage(f"Debezium {payload.get('op')!r} event without its row image")
    committed = _epoch_ms(source.get("ts_ms"))
    position = source.get("file"), source.get("pos"), source.get("row")
    key = f"dbz:{position[0]}:{position[1]}:{position[2]}:{source['table']}" \
        if position[0] else digest
    return RowChange(source["table"], operation, row, before if isinstance(before, dict)
                     else None, source.get("db"), committed, key)


def _operation(value: Any) -> Operation:
    try:
        return _OPERATIONS[str(value).lower()]
    except KeyError:
        raise PoisonMessage(f"unknown operation {value!r}") from None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PoisonMessage(f"not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _epoch_ms(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    return None


def parse_row_datetime(value: Any) -> datetime | None:
    """A row's datetime: MySQL text in UTC, or Debezium's epoch milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch_ms(value)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None  # a zero date or junk: treated as unknown, never as poison
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
