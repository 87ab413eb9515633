"""Hostile CDC bodies made from the contract samples: each must be poison, never a failure."""

from __future__ import annotations

import json
import uuid

from tests.contracts import CDC_SAMPLES

DEPTH = 100_000  # far past any recursion limit, well inside SQS's 256 KiB


def _signed() -> dict:
    document = json.loads((CDC_SAMPLES / "dms-users-update-signed.json").read_text())
    document["metadata"]["stream-position"] = f"hostile:{uuid.uuid4().hex}"
    return document


def _with(path: tuple[str, ...], value) -> str:
    document = _signed()
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return json.dumps(document)


def _debezium_ts(value) -> str:
    document = json.loads((CDC_SAMPLES / "debezium-users-update.json").read_text())
    document["payload"]["source"]["ts_ms"] = value
    document["payload"]["source"]["pos"] = uuid.uuid4().int % 10**9
    return json.dumps(document)


def hostile_bodies() -> dict[str, tuple[str, str]]:
    """name -> (body, words of the reason it is dead-lettered with)."""
    deep_row = json.dumps(_signed()).replace('"id": 1042', '"id": 1042, "notes": '
                                              + "[" * DEPTH + "]" * DEPTH, 1)
    huge_integer = json.dumps(_signed()).replace('"id": 1042', '"id": 1' + "0" * 5000, 1)
    return {
        "nested thousands deep": ("[" * DEPTH + "]" * DEPTH, "nested too deeply"),
        "nested deep inside a row": (deep_row, "nested too deeply"),
        "an integer of 5000 digits": (huge_integer, "digits"),
        "an id past 64 bits": (_with(("data", "id"), 2**64), "users.id is not an id"),
        "an id that is infinite": (json.dumps(_signed()).replace('"id": 1042', '"id": 1e999',
                                                                 1), "users.id is not an id"),
        "an id that is an object": (_with(("data", "id"), {"$gt": 0}), "users.id is not an id"),
        "an id that is true": (_with(("before-image", "id"), True), "users.id is not an id"),
        "an id with a lone surrogate": (_with(("data", "id"), "12\ud800"), "not an id"),
        "a commit time off the calendar": (
            _with(("metadata", "commit-timestamp"), "0001-01-01T00:00:00+14:00"),
            "not an ISO 8601 time"),
        "an operation that is a list": (_with(("metadata", "operation"), ["update"]),
                                        "unknown operation"),
        "a Debezium time of 1e300 ms": (_debezium_ts(1e300), "source.ts_ms"),
        "kinesis data that is a number": (json.dumps({"kinesis": {"data": 42}}),
                                          "kinesis.data"),
        "JSON null": ("null", "not an object"),
        "a JSON array": ("[1, 2]", "not an object"),
        "a JSON number": ("42", "not an object"),
    }
