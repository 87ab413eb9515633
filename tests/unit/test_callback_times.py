from datetime import datetime

import pytest

from infrastructure.intents.times import LONDON, DateparserCallbackTimes, parse_callback_time

SATURDAY = datetime(2026, 11, 21, 10, 7, tzinfo=LONDON)  # GMT


def at(text: str, sent_at: datetime = SATURDAY) -> str | None:
    found = parse_callback_time(text, sent_at)
    return found.isoformat() if found else None


@pytest.mark.parametrize(("text", "expected"), [
    ("call me tomorrow after 3", "2026-11-22T15:00:00+00:00"),
    ("tomorrow morning", "2026-11-22T09:00:00+00:00"),
    ("monday arvo", "2026-11-23T14:00:00+00:00"),
    ("saturday", "2026-11-28T09:00:00+00:00"),  # never today
    ("friday at 2", "2026-11-27T14:00:00+00:00"),
    ("half 4", "2026-11-21T16:30:00+00:00"),
    ("quarter to 5", "2026-11-21T16:45:00+00:00"),
    ("after 5:30", "2026-11-21T17:30:00+00:00"),
    ("after 9:30", "2026-11-22T09:30:00+00:00"),  # passed today: tomorrow
    ("ring 5.30 tmrw pls", "2026-11-22T17:30:00+00:00"),
    ("tonight at 8", "2026-11-21T20:00:00+00:00"),
    ("after work", "2026-11-21T18:00:00+00:00"),
    ("in an hour", "2026-11-21T11:15:00+00:00"),
    ("in 20 mins", "2026-11-21T10:30:00+00:00"),
    ("the 12th at noon", "2026-12-12T12:00:00+00:00"),
    ("the 28th", "2026-11-28T09:00:00+00:00"),
    ("12 june at 3pm", "2027-06-12T15:00:00+01:00"),
    ("good morning, call me after 3", "2026-11-21T15:00:00+00:00"),
    ("7 in the morning", "2026-11-22T07:00:00+00:00"),
])
def test_conventions(text, expected):
    assert at(text) == expected


@pytest.mark.parametrize("text", ["ok thanks", "I have 2 kids", "call me on 07700900123", ""])
def test_no_time_named(text):
    assert at(text) is None


def test_spring_change_gives_the_summer_offset():
    saturday = datetime(2026, 3, 28, 10, 0, tzinfo=LONDON)
    assert at("tomorrow after 3", saturday) == "2026-03-29T15:00:00+01:00"
    assert at("in an hour", datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)) == (
        "2026-03-29T02:30:00+01:00")  # 01:30 does not exist that night
    assert at("sunday at 1:30am", saturday) == "2026-03-29T02:30:00+01:00"


def test_autumn_change_gives_the_winter_offset():
    saturday = datetime(2026, 10, 24, 10, 0, tzinfo=LONDON)
    assert at("half 4", saturday) == "2026-10-24T16:30:00+01:00"
    assert at("tomorrow after 3", saturday) == "2026-10-25T15:00:00+00:00"
    found = parse_callback_time("in an hour", datetime.fromisoformat("2026-10-25T00:50:00+01:00"))
    assert found.isoformat() == "2026-10-25T01:00:00+00:00"  # the second 01:00 of the night


def test_a_utc_sent_at_is_read_in_london():
    sent = datetime.fromisoformat("2026-07-01T13:30:00+00:00")  # 14:30 in London
    assert at("after 3", sent) == "2026-07-01T15:00:00+01:00"


def test_the_port_reads_the_same():
    assert DateparserCallbackTimes().parse("half 4", SATURDAY) == parse_callback_time(
        "half 4", SATURDAY)
