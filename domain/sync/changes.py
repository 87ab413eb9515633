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


MAX_KEY_TEXT = 256


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


def parse_body(body: str | bytes) -> Parsed:
    """One SQS body, whichever of the accepted shapes it has; PoisonMessage otherwise.

    Whatever is wrong with a body (not UTF-8, nested too deeply, a number too long, a value
    of the wrong type) ends here as PoisonMessage, never as another error: one bad body
    must not fail the batch it came in.
    """
    try:
        return _parse(body)
    except PoisonMessage:
        raise
    except Exception as exc:  # noqa: BLE001 - any other failure: the body is still poison
        raise PoisonMessage(f"body cannot be parsed ({type(exc).__name__}: "
                            f"{str(exc)[:200]!r})") from exc


def _parse(body: str | bytes) -> Parsed:
    raw = _utf8(body)
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PoisonMessage(f"body is not JSON: {exc.msg}") from exc
    except RecursionError:
        raise PoisonMessage("body is JSON nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise PoisonMessage(f"body is not JSON we can read: {str(exc)[:200]!r}") from exc
    if not isinstance(document, dict):
        raise PoisonMessage(f"body is JSON but not an object ({type(document).__name__})")
    digest = hashlib.sha256(raw).hexdigest()
    if isinstance(document.get("kinesis"), dict):
        return _parse_dms(_unwrap_kinesis(document["kinesis"]), digest)
    if document.get("eventSource") == "aws:kinesis" and "data" in document:
        # An EventBridge Pipe's Kinesis record: the same fields, not nested under "kinesis".
        return _parse_dms(_unwrap_kinesis(document), digest)
    if "metadata" in document:
        return _parse_dms(document, digest)
    if "payload" in document:
        return _parse_debezium(document["payload"], digest)
    raise PoisonMessage("body has neither DMS 'metadata' nor a Debezium 'payload'")


def _utf8(body: str | bytes) -> bytes:
    if isinstance(body, bytes):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PoisonMessage(f"body is not UTF-8 (byte {exc.start})") from None
        return body
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates: bytes that were not UTF-8
        raise PoisonMessage(f"body is not valid UTF-8 text (character {exc.start})") from None


def _unwrap_kinesis(kinesis: dict) -> dict:
    data = kinesis.get("data") or ""
    if not isinstance(data, str):
        raise PoisonMessage("kinesis.data is not a string")
    try:
        inner = json.loads(base64.b64decode(data, validate=True))
    except RecursionError:
        raise PoisonMessage("kinesis.data is JSON nested too deeply to read") from None
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
        operation = meta.get("operation")
        return ControlRecord(table if isinstance(table, str) else None,
                             operation if isinstance(operation, str) else shown(operation))
    if meta.get("record-type") != "data":
        raise PoisonMessage(f"unknown metadata.record-type {shown(meta.get('record-type'))}")
    operation = _operation(meta.get("operation"))
    row = document.get("data")
    if not isinstance(table, str) or not table:
        raise PoisonMessage("metadata.table-name is missing")
    if not isinstance(row, dict):
        raise PoisonMessage("'data' is missing or not an object")
    before = document.get("before-image")
    before = before if isinstance(before, dict) else None
    committed = _iso(meta.get("commit-timestamp")) or _iso(meta.get("timestamp"))
    position = meta.get("stream-position")
    key = _key(f"dms:{position}:{meta.get('transaction-record-id')}:{table}") if position \
        else digest
    return RowChange(table, operation, row, before, meta.get("schema-name"), committed, key)


def _parse_debezium(payload: Any, digest: str) -> Parsed:
    if payload is None:
        return Tombstone()
    if not isinstance(payload, dict):
        raise PoisonMessage("Debezium 'payload' is not an object")
    source = payload.get("source")
    if not isinstance(source, dict) or not source.get("table"):
        raise PoisonMessage("Debezium payload.source.table is missing")
    if not isinstance(source["table"], str):
        raise PoisonMessage("Debezium payload.source.table is not a string")
    operation = _operation(payload.get("op"))
    before, after = payload.get("before"), payload.get("after")
    row = after if operation is not Operation.DELETE else before
    if not isinstance(row, dict):
        raise PoisonMessage(f"Debezium {shown(payload.get('op'))} event without its row image")
    before = before if isinstance(before, dict) else None
    committed = _commit_ms(source.get("ts_ms"))
    position = source.get("file"), source.get("pos"), source.get("row")
    key = _key(f"dbz:{position[0]}:{position[1]}:{position[2]}:{source['table']}") \
        if position[0] else digest
    return RowChange(source["table"], operation, row, before, source.get("db"), committed,
                     key)


def shown(value: Any) -> str:
    """A value as a reason may quote it: short, escaped, never a whole document."""
    if isinstance(value, dict | list):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _key(text: str) -> str:
    """A record's key as stored: as it comes when short plain text, else its digest."""
    if len(text) <= MAX_KEY_TEXT and text.isprintable():
        return text
    return f"{text[:4]}sha:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _operation(value: Any) -> Operation:
    found = _OPERATIONS.get(value.lower()) if isinstance(value, str) else None
    if found is None:
        raise PoisonMessage(f"unknown operation {shown(value)}")
    return found


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return _in_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise PoisonMessage(f"not an ISO 8601 time: {shown(value)}") from None


def _commit_ms(value: Any) -> datetime | None:
    if value is None:
        return None
    found = _epoch_ms(value)
    if found is None:
        raise PoisonMessage(f"source.ts_ms is not a time in milliseconds: {shown(value)}")
    return found


def _epoch_ms(value: Any) -> datetime | None:
    """Epoch milliseconds as a time; None for anything else, or out of datetime's range."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _in_utc(parsed: datetime) -> datetime:
    """In UTC, so that later comparisons and arithmetic cannot overflow on an odd offset."""
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_row_datetime(value: Any) -> datetime | None:
    """A row's datetime: MySQL text in UTC, or Debezium's epoch milliseconds.

    Never raises: a zero date, junk or an out-of-range value is treated as unknown (the
    replica's own row decides then), never as poison.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch_ms(value)
    if not isinstance(value, str):
        return None
    try:
        return _in_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        return None
