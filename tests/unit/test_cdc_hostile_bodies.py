"""Whatever is wrong with a CDC body, reading it gives PoisonMessage and nothing else."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.sync.changes import PoisonMessage, RowChange, parse_body, parse_row_datetime
from domain.sync.routing import (
    Freshness,
    Lookups,
    as_int,
    check_ids,
    freshness,
    users_touched,
)
from tests.cdc_hostile import hostile_bodies
from tests.contracts import CDC_SAMPLES

HOSTILE = hostile_bodies()


def read(body: str | bytes):
    """What the worker does with a body before any lookup: parse, then check its ids."""
    parsed = parse_body(body)
    if isinstance(parsed, RowChange):
        check_ids(parsed)
    return parsed


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_body_is_poison_with_its_reason(name):
    body, words = HOSTILE[name]
    with pytest.raises(PoisonMessage) as raised:
        read(body)
    assert words in str(raised.value)
    assert len(str(raised.value)) < 400  # a reason, never the body itself


def test_bodies_that_are_not_utf8_are_poison():
    with pytest.raises(PoisonMessage, match="not UTF-8"):
        parse_body(b'{"metadata": \xff}')
    # Invalid bytes decoded leniently arrive as lone surrogates in the text.
    with pytest.raises(PoisonMessage, match="not valid UTF-8"):
        parse_body(b'{"metadata": "\xff"}'.decode("utf-8", "surrogateescape"))


def test_the_contract_samples_still_read_as_before():
    good = (CDC_SAMPLES / "dms-users-update-signed.json").read_text()
    change = read(good)
    assert change.key == "dms:mysql-bin-changelog.001204:33412:1:users"  # keys kept as they were
    assert read(good.encode()) == change  # bytes and text give the same record


def test_a_stream_position_the_database_cannot_store_becomes_a_digest_key():
    document = json.loads((CDC_SAMPLES / "dms-users-update-signed.json").read_text())
    document["metadata"]["stream-position"] = "bin.000001:\u0000\ud800" + "x" * 1000
    change = read(json.dumps(document))
    assert change.key.isprintable() and len(change.key) < 100 and "\u0000" not in change.key
    assert read(json.dumps(document)).key == change.key  # the same record, the same key


@pytest.mark.parametrize("value", [1e300, -1e300, float("nan"), "9999-12-31T23:59:59-14:00",
                                   "0001-01-01T00:00:00+14:00", ["2026-01-01"], {"a": 1}, True])
def test_an_odd_row_time_is_unknown_never_an_error(value):
    assert parse_row_datetime(value) is None


def test_an_odd_updated_at_leaves_the_replica_to_decide():
    document = json.loads((CDC_SAMPLES / "dms-users-update-signed.json").read_text())
    document["data"]["updated_at"] = 1e300
    change = read(json.dumps(document))
    lookups = Lookups({("users", "1042"): None})
    assert change.row_updated_at is None
    assert freshness(change, lookups, change.committed_at, timedelta(minutes=5)) \
        is Freshness.FRESH
    assert users_touched(change, lookups) == {1042}


@pytest.mark.parametrize("value,expected", [
    (42, 42), ("42", 42), (" 42 ", 42), (42.0, 42), (2**63 - 1, 2**63 - 1), (2**63, None),
    ("١٢", None), ("4e2", None), (float("inf"), None), (float("nan"), None), (True, None),
    ({"a": 1}, None), ("9" * 30, None), (None, None)])
def test_as_int_takes_64_bit_ids_only_and_never_raises(value, expected):
    assert as_int(value) == expected
