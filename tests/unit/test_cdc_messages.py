"""Every accepted CDC body shape, poison bodies, and what a change means to the dialler."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.sync.changes import (
    ControlRecord,
    Operation,
    PoisonMessage,
    RowChange,
    Tombstone,
    parse_body,
    parse_row_datetime,
)
from domain.sync.routing import (
    ConversionKind,
    Freshness,
    Lookups,
    conversions_in,
    freshness,
    users_touched,
)
from tests.contracts import CDC_SAMPLES

SAMPLES = CDC_SAMPLES


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_dms_update_carries_images_operation_and_commit_time():
    change = parse_body(sample("dms-users-update-signed.json"))
    assert isinstance(change, RowChange)
    assert (change.table, change.operation, change.schema) == ("users", Operation.UPDATE, "rmc")
    assert change.row["current_signature_file_id"] == 88123
    assert change.before["current_signature_file_id"] is None
    assert change.committed_at == datetime(2026, 11, 23, 14, 5, 12, 900000, tzinfo=UTC)
    assert change.row_updated_at == datetime(2026, 11, 23, 14, 5, 12, tzinfo=UTC)


def test_kinesis_wrapped_record_is_the_same_change_as_the_plain_one():
    wrapped = parse_body(sample("kinesis-wrapped-users-update.json"))
    plain = parse_body(sample("dms-users-update-signed.json"))
    assert wrapped == plain  # same stream position: a duplicate of each other


def test_an_eventbridge_pipes_kinesis_record_is_the_same_change_too():
    """A Pipe from Kinesis to SQS (deploy/aws) without an input template sends the record's
    fields at the top level, not under "kinesis"."""
    lambda_shape = json.loads(sample("kinesis-wrapped-users-update.json"))
    pipe_shape = {k: v for k, v in lambda_shape.items() if k != "kinesis"}
    pipe_shape.update(lambda_shape["kinesis"])
    assert parse_body(json.dumps(pipe_shape)) == parse_body(sample("dms-users-update-signed.json"))
    with pytest.raises(PoisonMessage, match="base64"):
        parse_body(json.dumps({"eventSource": "aws:kinesis", "data": "@@@"}))


def test_debezium_update_maps_to_the_same_meaning():
    change = parse_body(sample("debezium-users-update.json"))
    assert (change.table, change.operation, change.schema) == ("users", Operation.UPDATE, "rmc")
    assert change.row["current_signature_file_id"] == 88123
    assert change.committed_at == datetime.fromtimestamp(1795615512.9, UTC)


@pytest.mark.parametrize("name,table,operation", [
    ("dms-full-load.json", None, Operation.INSERT),
    ("dms-claim-requirement-insert.json", "claim_requirements", Operation.INSERT),
    ("dms-claim-requirement-completed.json", "claim_requirements", Operation.UPDATE),
    ("dms-claims-update-complete.json", "claims", Operation.UPDATE),
    ("dms-users-delete.json", "users", Operation.DELETE),
])
def test_dms_samples_parse(name, table, operation):
    change = parse_body(sample(name))
    assert isinstance(change, RowChange) and change.operation is operation
    if table:
        assert change.table == table


def test_both_operation_vocabularies_and_debezium_letters():
    base = json.loads(sample("dms-users-update-signed.json"))
    for word, expected in [("load", Operation.INSERT), ("read", Operation.INSERT),
                           ("create", Operation.INSERT), ("insert", Operation.INSERT),
                           ("update", Operation.UPDATE), ("delete", Operation.DELETE)]:
        base["metadata"]["operation"] = word
        assert parse_body(json.dumps(base)).operation is expected
    dbz = json.loads(sample("debezium-users-update.json"))
    for letter, expected in [("c", Operation.INSERT), ("r", Operation.INSERT),
                             ("u", Operation.UPDATE), ("d", Operation.DELETE)]:
        dbz["payload"]["op"] = letter
        assert parse_body(json.dumps(dbz)).operation is expected


def test_control_records_and_tombstones_are_not_changes():
    assert isinstance(parse_body(sample("dms-control-create-table.json")), ControlRecord)
    assert isinstance(parse_body(json.dumps({"schema": {}, "payload": None})), Tombstone)


@pytest.mark.parametrize("body,reason", [
    (sample("poison-not-json.txt"), "not JSON"),
    (sample("poison-no-metadata.json"), "neither"),
    ("[1, 2]", "not an object"),
    ('"text"', "not an object"),
    ('{"metadata": {"record-type": "data", "operation": "upsert", "table-name": "users"},'
     ' "data": {}}', "unknown operation"),
    ('{"metadata": {"record-type": "data", "operation": "update"}, "data": {}}',
     "table-name"),
    ('{"kinesis": {"data": "@@@"}}', "base64"),
    ('{"payload": {"op": "u", "source": {}}}', "source.table"),
])
def test_poison_bodies_say_why(body, reason):
    with pytest.raises(PoisonMessage, match=reason):
        parse_body(body)


def test_row_datetimes_accept_mysql_text_epoch_millis_and_junk():
    assert parse_row_datetime("2026-11-23 14:05:12.5") == datetime(2026, 11, 23, 14, 5, 12,
                                                                   500000, tzinfo=UTC)
    assert parse_row_datetime(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_row_datetime("0000-00-00 00:00:00") is None
    assert parse_row_datetime(None) is None


NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
LAG = timedelta(minutes=5)


def _change(table="users", operation=Operation.UPDATE, row=None, before=None,
            committed=NOW - timedelta(seconds=1)) -> RowChange:
    return RowChange(table, operation, row or {"id": 7, "updated_at": "2026-11-24 09:59:59"},
                     before, "rmc", committed, f"k{table}{operation}")


def test_fresh_when_the_replica_shows_this_version_or_newer():
    change = _change()
    at = datetime(2026, 11, 24, 9, 59, 59, tzinfo=UTC)
    assert freshness(change, Lookups({("users", "7"): at}), NOW, LAG) is Freshness.FRESH
    newer = Lookups({("users", "7"): at + timedelta(hours=1)})
    assert freshness(change, newer, NOW, LAG) is Freshness.FRESH


def test_replica_behind_when_its_row_is_older_or_missing_or_a_delete_still_shows():
    older = Lookups({("users", "7"): datetime(2026, 11, 24, 9, 0, tzinfo=UTC)})
    assert freshness(_change(), older, NOW, LAG) is Freshness.REPLICA_BEHIND
    assert freshness(_change(), Lookups({}), NOW, LAG) is Freshness.REPLICA_BEHIND
    deleted = _change(operation=Operation.DELETE, row={"id": 7})
    assert freshness(deleted, older, NOW, LAG) is Freshness.REPLICA_BEHIND
    assert freshness(deleted, Lookups({}), NOW, LAG) is Freshness.FRESH


def test_long_after_the_commit_a_missing_row_is_taken_as_changed_since():
    old = _change(committed=NOW - timedelta(hours=1))
    assert freshness(old, Lookups({}), NOW, LAG) is Freshness.FRESH


def test_users_are_found_from_images_or_through_the_replica():
    direct = _change("claims", row={"id": 5, "user_id": 42})
    assert users_touched(direct, Lookups({})) == {42}
    via_claim = _change("claim_requirements", row={"id": "r1", "claim_id": 5})
    assert users_touched(via_claim, Lookups({}, {5: 42})) == {42}
    keyless = _change("claim_requirements", operation=Operation.DELETE, row={"id": "r1"})
    assert users_touched(keyless, Lookups({}, {5: 42}, {("claim_requirements", "r1"): 5})) \
        == {42}
    assert users_touched(keyless, Lookups({})) == set()


def test_conversions_from_images_and_only_once_per_subject():
    signed = parse_body(sample("dms-users-update-signed.json"))
    done = parse_body(sample("dms-claim-requirement-completed.json"))
    lookups = Lookups({}, {20877: 1042})
    seen = conversions_in([signed, done], lookups, NOW, set())
    assert [(s.kind, s.user_id) for s in seen] == [(ConversionKind.SIGNED, 1042),
                                                  (ConversionKind.REQUIREMENT_DONE, 1042)]
    assert seen[0].dedupe_key == "SIGNED:1042"
    no_before = _change(row={"id": 1042, "current_signature_file_id": 1})
    assert conversions_in([no_before], lookups, NOW, set()) == []
    assert len(conversions_in([no_before], lookups, NOW, {1042})) == 1
