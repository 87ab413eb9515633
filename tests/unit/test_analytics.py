"""The pure supervisor figures: the London day, periods, rates, lenders, regrouping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.analytics.figures import (
    CONTACT_OUTCOMES,
    NO_LENDER,
    InvalidPeriod,
    OutcomeCount,
    average,
    check_period,
    is_contact,
    lender_key,
    london_day,
    rate,
    regroup,
)


def test_the_london_day_in_winter_is_the_utc_day():
    day = london_day(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
    assert (day.start, day.end) == (datetime(2026, 11, 24, tzinfo=UTC),
                                    datetime(2026, 11, 25, tzinfo=UTC))


def test_the_london_day_in_summer_starts_at_23_utc_the_evening_before():
    # 23:30 UTC on 1 July is already 2 July in London (BST, UTC+1).
    day = london_day(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    assert (day.start, day.end) == (datetime(2026, 7, 1, 23, tzinfo=UTC),
                                    datetime(2026, 7, 2, 23, tzinfo=UTC))


def test_clock_change_days_have_23_and_25_hours():
    spring = london_day(datetime(2026, 3, 29, 12, tzinfo=UTC))
    autumn = london_day(datetime(2026, 10, 25, 12, tzinfo=UTC))
    assert spring.end - spring.start == timedelta(hours=23)
    assert autumn.end - autumn.start == timedelta(hours=25)


def test_a_period_is_normalised_to_utc():
    plus_two = timezone(timedelta(hours=2))
    period = check_period(datetime(2026, 11, 1, 2, tzinfo=plus_two),
                          datetime(2026, 11, 2, tzinfo=UTC), 31)
    assert period.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert period.start.tzinfo == UTC


@pytest.mark.parametrize(("start", "end", "field", "words"), [
    (datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), "from", "before"),
    (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), "from", "before"),
    (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), "to", "at most 31"),
    (datetime(2026, 11, 1), datetime(2026, 11, 2, tzinfo=UTC), "from", "time zone"),
    (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2), "to", "time zone"),
])
def test_bad_periods_name_the_argument(start, end, field, words):
    with pytest.raises(InvalidPeriod) as caught:
        check_period(start, end, 31)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_exactly_the_maximum_span_is_allowed():
    start = datetime(2026, 10, 1, tzinfo=UTC)
    assert check_period(start, start + timedelta(days=31), 31).end == start + timedelta(days=31)


def test_rates_and_averages_have_no_value_without_a_denominator():
    assert rate(0, 0) is None
    assert average(0, 0) is None
    assert rate(1, 4) == 0.25
    assert average(300, 4) == 75.0


def test_contacts_are_the_outcomes_that_reached_the_user():
    assert is_contact("contacted") and is_contact("hung_up") and is_contact("not_interested")
    for missed in ("no_answer", "busy", "failed", "left_voicemail", "wrong_number"):
        assert not is_contact(missed)
    assert len(CONTACT_OUTCOMES) == 9


def test_the_lender_is_the_oldest_open_claims_tidied_and_case_folded():
    old, new = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    assert lender_key([("Barclays", new), ("  Santander   UK ", old)], []) == "santander uk"
    # no open claim: the oldest claim of any status
    assert lender_key([], [("HSBC", new), ("Lloyds  Bank", old)]) == "lloyds bank"
    # blank names are skipped; nothing named at all
    assert lender_key([("  ", old), ("Nationwide", new)], []) == "nationwide"
    assert lender_key([(None, old)], [(None, old)]) == NO_LENDER
    # an unknown creation date sorts last
    assert lender_key([("Zopa", None), ("Monzo", new)], []) == "monzo"


def test_regroup_sums_sub_keys_under_their_group_in_key_order():
    counts = [(1, "contacted", 2), (2, "contacted", 3), (3, "busy", 1), (2, "busy", 4),
              (9, "busy", 1)]
    rows = regroup(counts, {1: "santander", 2: "santander", 3: "barclays"})
    assert rows == [OutcomeCount("9", "busy", 1), OutcomeCount("barclays", "busy", 1),
                    OutcomeCount("santander", "busy", 4),
                    OutcomeCount("santander", "contacted", 5)]


def _figures(name, role="AGENT", status="OFFLINE", active=True, automated=False, **counts):
    import uuid

    from domain.agents.model import AgentStatus, Role
    from domain.analytics.ports import Activity, AgentFigures, AgentSummary

    agent = AgentSummary(uuid.uuid4(), name, f"{name}@x.test", Role(role), AgentStatus(status),
                         None, None, None, active, automated)
    return AgentFigures(agent, Activity(**counts))


def test_the_floor_totals_add_every_agent_and_what_nobody_owns():
    from domain.analytics.ports import Activity, FloorActivity

    floor = FloorActivity([_figures("a", calls=3, talk_seconds=180, answered=2,
                                    dispositions=3, contacts=1, conversions=1, texts=2),
                           _figures("b", active=False, calls=1, talk_seconds=300, answered=1),
                           _figures("ai", automated=True, texts=5, conversions=1)],
                          Activity(calls=1, texts=1))
    assert floor.totals() == Activity(calls=5, talk_seconds=480, answered=3, dispositions=3,
                                      contacts=1, conversions=2, texts=8)


def test_who_is_on_the_board_and_who_was_active():
    from domain.analytics.ports import Activity, FloorActivity

    everyone = [_figures("idle agent"), _figures("gone", active=False, calls=2),
                _figures("offline boss", "SUPERVISOR"),
                _figures("boss on the phones", "SUPERVISOR", "AVAILABLE"),
                _figures("boss who called", "ADMIN", dispositions=1),
                _figures("integration", "INTEGRATION", "AVAILABLE", calls=1),
                _figures("converted only", "SUPERVISOR", conversions=1),
                _figures("boss who texted", "SUPERVISOR", texts=1),
                _figures("idle ai", automated=True),
                _figures("texting ai", automated=True, texts=3)]
    floor = FloorActivity(everyone, Activity())
    assert [f.agent.name for f in floor.on_the_board()] == [
        "idle agent", "boss on the phones", "boss who called", "boss who texted", "idle ai",
        "texting ai"]
    assert [f.agent.name for f in floor.active()] == [
        "gone", "boss who called", "integration", "converted only", "boss who texted",
        "texting ai"]


def test_a_sent_text_is_any_outbound_status_but_failed():
    from domain.analytics.figures import SENT_TEXT_STATUSES

    assert SENT_TEXT_STATUSES == ("DELIVERED", "QUEUED", "SENDING", "SENT", "UNDELIVERED")
