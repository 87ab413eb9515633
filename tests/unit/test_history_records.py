"""Reading a call and text history file: every rule of contracts/call_history.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from domain.calls.outcomes import CallOutcome
from domain.history.records import Channel, TextOutcome
from domain.messaging.model import Direction
from service_layer.history_import import history_rows
from service_layer.import_files import InvalidImport

HEADER = "external_id,user_id,occurred_at,channel,direction,outcome,talk_seconds,agent_email"


@dataclass
class Found:
    records: list = field(default_factory=list)  # (line, record)
    problems: list = field(default_factory=list)  # (line, reason)


def read(*rows: str, header: str = HEADER) -> Found:
    found = Found()
    for line, row in history_rows("\n".join([header, *rows]) + "\n"):
        (found.problems if isinstance(row, str) else found.records).append((line, row))
    return found


def test_good_rows_in_any_case_and_offset():
    found = read("c-1,7,2025-03-04T18:12:00+01:00,CALL,Outbound,No_Answer,,Ann@Example.com",
                 "s-1,7,2025-03-04T18:13:00Z,sms,outbound,REPLIED,,",
                 "c-2,8,2025-03-05T09:00:00+00:00,call,inbound,,95,")
    assert found.problems == []
    (line, call), (_, text), (_, inbound) = found.records
    assert line == 2 and call.occurred_at == datetime(2025, 3, 4, 17, 12, tzinfo=UTC)
    assert (call.channel, call.direction, call.call_outcome, call.agent_email) == (
        Channel.CALL, Direction.OUTBOUND, CallOutcome.NO_ANSWER, "ann@example.com")
    assert text.text_outcome is TextOutcome.REPLIED and text.call_outcome is None
    assert inbound.call_outcome is None and inbound.talk_seconds == 95


def test_columns_in_any_order_and_unknown_ones_ignored():
    found = read("x,2025-03-04T18:12:00Z,3,call,outbound,busy,ignored",
                 header="external_id,occurred_at,user_id,channel,direction,outcome,notes")
    assert found.problems == [] and found.records[0][1].user_id == 3


@pytest.mark.parametrize(("row", "reason"), [
    ("c,7,2025-03-04T18:12:00,call,outbound,busy,,", "has no offset"),
    ("c,7,yesterday,call,outbound,busy,,", "is not an ISO 8601 time"),
    ("c,0,2025-03-04T18:12:00Z,call,outbound,busy,,", "user_id '0' is not a positive"),
    ("c,7,2025-03-04T18:12:00Z,fax,outbound,,,", "channel 'fax' is not one of call, sms"),
    ("c,7,2025-03-04T18:12:00Z,call,sideways,busy,,", "direction 'sideways'"),
    ("c,7,2025-03-04T18:12:00Z,call,outbound,,,", "outcome is required for an outbound call"),
    ("c,7,2025-03-04T18:12:00Z,call,outbound,shouted,,", "is not a disposition"),
    ("c,7,2025-03-04T18:12:00Z,sms,inbound,replied,,", "'replied' is for an outbound text"),
    ("c,7,2025-03-04T18:12:00Z,sms,outbound,read,,", "is not a text's outcome"),
    ("c,7,2025-03-04T18:12:00Z,sms,outbound,sent,30,", "talk_seconds is for calls"),
    ("c,7,2025-03-04T18:12:00Z,call,outbound,busy,-3,", "talk_seconds '-3'"),
    ("c,7,2025-03-04T18:12:00Z,call,outbound,busy,,nobody", "not an e-mail address"),
    (",7,2025-03-04T18:12:00Z,call,outbound,busy,,", "external_id is empty"),
    ("c,7,2025-03-04T18:12:00Z,call", "4 fields where the header has 8"),
])
def test_a_bad_row_is_named_by_line_and_reason_and_the_good_still_load(row, reason):
    found = read("good,7,2025-03-04T18:12:00Z,call,outbound,busy,,", row)
    assert [r.external_id for _, r in found.records] == ["good"]
    assert len(found.problems) == 1 and found.problems[0][0] == 3
    assert reason in found.problems[0][1]


def test_every_problem_of_a_row_is_named():
    found = read("c,x,noon,fax,up,,,")
    reason = found.problems[0][1]
    assert all(part in reason for part in ("user_id", "occurred_at", "channel", "direction"))


def test_the_same_external_id_twice_in_a_file_is_refused_the_second_time():
    found = read("c,7,2025-03-04T18:12:00Z,call,outbound,busy,,",
                 "c,7,2025-03-04T18:12:00Z,call,outbound,busy,,")
    assert len(found.records) == 1 and found.problems == [(3, "external_id 'c' is also on line 2")]


def test_a_header_without_a_required_column_stops_the_file():
    with pytest.raises(InvalidImport, match="column 'occurred_at' is missing"):
        read("c,7,call,outbound", header="external_id,user_id,channel,direction")


def test_broken_quoting_keeps_the_rows_before_it():
    found = read("a,7,2025-03-04T18:12:00Z,call,outbound,busy,,",
                 'b,7,"2025-03-04T18:12:00Z,call,outbound,busy,,')
    assert [r.external_id for _, r in found.records] == ["a"]
    assert "not readable as CSV" in found.problems[0][1]
