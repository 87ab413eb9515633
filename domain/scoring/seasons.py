"""Dated adjustments for the shipped ``learned`` rule set: month-ends and bank holidays.

Written out as data (infrastructure/shipped_rule_sets/learned.json) so an operator can read
and change them like any other adjustment; this is what writes them, and a test holds the
file to it.
- The last 3 working days of each month (Monday to Friday, not an English bank holiday):
  pay has landed and post has been read, so people deal with paperwork: called sooner.
- The week around each English bank holiday (Monday to Sunday; Christmas to New Year as one
  stretch): many are away, so calls wait for the ones who are not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

MONTH_END_POINTS = -5
BANK_HOLIDAY_POINTS = 5
_DAY = timedelta(days=1)


def seasonal_adjustments(years: Iterable[int], bank_holidays: frozenset[date]) -> list[dict]:
    """The adjustments for these years, in date order, as rule-set document entries."""
    found, years = [], sorted(set(years))
    for year in years:
        for month in range(1, 13):
            first, last = _month_end(year, month, bank_holidays)
            found.append(_entry(f"Month end {year}-{month:02d}", MONTH_END_POINTS, first, last))
    for start, end in _holiday_weeks(d for d in bank_holidays if d.year in years):
        found.append(_entry(f"Bank holiday week {start.isoformat()}", BANK_HOLIDAY_POINTS,
                            start, end))
    return sorted(found, key=lambda a: (a["when"]["date_from"], a["name"]))


def _entry(name: str, points: int, start: date, end: date) -> dict:
    return {"name": name, "points": points,
            "when": {"date_from": start.isoformat(), "date_to": end.isoformat()}}


def _month_end(year: int, month: int, bank_holidays: frozenset[date]) -> tuple[date, date]:
    day = date(year + month // 12, month % 12 + 1, 1) - _DAY
    working = []
    while len(working) < 3:
        if day.weekday() < 5 and day not in bank_holidays:
            working.append(day)
        day -= _DAY
    return working[-1], working[0]


def _holiday_weeks(holidays: Iterable[date]) -> list[tuple[date, date]]:
    """Monday to Sunday of each holiday's week, weeks that meet or overlap joined."""
    weeks: list[tuple[date, date]] = []
    for holiday in sorted(holidays):
        start = holiday - timedelta(days=holiday.weekday())
        end = start + timedelta(days=6)
        if weeks and start <= weeks[-1][1] + _DAY:
            weeks[-1] = (weeks[-1][0], max(end, weeks[-1][1]))
        else:
            weeks.append((start, end))
    return weeks
